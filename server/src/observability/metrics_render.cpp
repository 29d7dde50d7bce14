// Metrics::render(): sums the shards and writes the Prometheus text
// exposition format 0.0.4. Runs on a scrape, not per request, so it favours
// sorted, deterministic output over speed.
#include <charconv>
#include <initializer_list>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "hookd/server/build_info.hpp"
#include "observability/host_call_stats.hpp"
#include "observability/metrics.hpp"
#include "observability/metrics_exposition.hpp"
#include "observability/metrics_fn_stats.hpp"

namespace hookd::server {
namespace {

using prom::Exposition;

std::string to_label(uint64_t n) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
  return std::string(buf, end);
}

// "0.00005" rather than "5e-05": both parse, but fixed notation is what
// people grep for and is stable across formatters.
std::string bucket_label(std::chrono::nanoseconds bound) {
  char buf[32];
  const double seconds = std::chrono::duration<double>(bound).count();
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, seconds, std::chars_format::fixed);
  return std::string(buf, end);
}

struct FnTotals {
  std::map<uint32_t, uint64_t> codes;
  uint64_t other_codes = 0;
  std::array<uint64_t, kErrorKinds.size()> errors{};
  std::array<uint64_t, kDurationBuckets.size() + 1> buckets{};
  uint64_t sum_ns = 0;
};

uint64_t read(const std::atomic<uint64_t>& a) { return a.load(std::memory_order_relaxed); }

void add(FnTotals& t, const MetricsShard::FnStats& s) {
  for (const auto& slot : s.codes) {
    // Acquire pairs with the claim in record(): a code seen here is complete.
    const uint32_t code = slot.code.load(std::memory_order_acquire);
    if (code != 0) t.codes[code] += read(slot.count);
  }
  t.other_codes += read(s.other_codes);
  for (size_t i = 0; i < t.errors.size(); ++i) t.errors[i] += read(s.errors[i]);
  for (size_t i = 0; i < t.buckets.size(); ++i) t.buckets[i] += read(s.buckets[i]);
  t.sum_ns += read(s.sum_ns);
}

// One histogram series of `family` labelled plugin=`plugin`, from
// non-cumulative `buckets` (bounds `bounds`, then +Inf).
template <size_t N>
void plugin_histogram(Exposition& e, std::string_view family, std::string_view plugin,
                      const std::array<std::chrono::nanoseconds, N>& bounds,
                      const std::array<uint64_t, N + 1>& buckets, uint64_t sum_ns) {
  const std::string bucket = std::string(family) + "_bucket";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < N; ++i) {
    cumulative += buckets[i];
    e.sample(bucket, {{"plugin", plugin}, {"le", bucket_label(bounds[i])}}, cumulative);
  }
  cumulative += buckets[N];
  e.sample(bucket, {{"plugin", plugin}, {"le", "+Inf"}}, cumulative);
  e.sample(std::string(family) + "_sum", {{"plugin", plugin}}, static_cast<double>(sum_ns) / 1e9);
  e.sample(std::string(family) + "_count", {{"plugin", plugin}}, cumulative);
}

using HostCalls = std::vector<std::tuple<std::string, HostCallStats::Totals, HostCallStats::Totals>>;

// hookd_kv_* and hookd_fetch_*: a plugin's series once it has made such a call.
void render_host_calls(Exposition& e, const HostCalls& calls) {
  e.family("hookd_kv_calls_total", "counter", "KV host calls, by plugin and operation.");
  for (const auto& [plugin, kv, fetch] : calls) {
    if (kv.all_calls() == 0) continue;
    for (size_t op = 0; op < kKvOpNames.size(); ++op) {
      e.sample("hookd_kv_calls_total", {{"plugin", plugin}, {"op", kKvOpNames[op]}}, kv.calls[op]);
    }
  }
  e.family(
      "hookd_kv_errors_total", "counter",
      "KV host calls that failed (the store's error: too large, full, quota, unavailable, timeout...), by "
      "plugin. An absent key is not an error.");
  for (const auto& [plugin, kv, fetch] : calls) {
    if (kv.all_calls() != 0) e.sample("hookd_kv_errors_total", {{"plugin", plugin}}, kv.errors);
  }
  e.family("hookd_kv_call_duration_seconds", "histogram", "KV host call latency, by plugin.");
  for (const auto& [plugin, kv, fetch] : calls) {
    if (kv.all_calls() != 0)
      plugin_histogram(e, "hookd_kv_call_duration_seconds", plugin, kDurationBuckets, kv.buckets, kv.sum_ns);
  }
  e.family(
      "hookd_kv_bytes_total", "counter",
      "Bytes of values plugins read from (direction=read) and wrote to (written) the KV store, by plugin.");
  for (const auto& [plugin, kv, fetch] : calls) {
    if (kv.all_calls() == 0) continue;
    e.sample("hookd_kv_bytes_total", {{"plugin", plugin}, {"direction", "read"}}, kv.bytes_in);
    e.sample("hookd_kv_bytes_total", {{"plugin", plugin}, {"direction", "written"}}, kv.bytes_out);
  }
  e.family("hookd_fetch_calls_total", "counter",
           "Outbound fetches, by plugin (outcomes: hookd_fetch_requests_total).");
  for (const auto& [plugin, kv, fetch] : calls) {
    if (fetch.all_calls() != 0) e.sample("hookd_fetch_calls_total", {{"plugin", plugin}}, fetch.all_calls());
  }
  e.family("hookd_fetch_errors_total", "counter", "Outbound fetches that failed or were refused, by plugin.");
  for (const auto& [plugin, kv, fetch] : calls) {
    if (fetch.all_calls() != 0) e.sample("hookd_fetch_errors_total", {{"plugin", plugin}}, fetch.errors);
  }
  e.family("hookd_fetch_duration_seconds", "histogram",
           "Outbound fetch latency, redirects included, by plugin.");
  for (const auto& [plugin, kv, fetch] : calls) {
    if (fetch.all_calls() != 0)
      plugin_histogram(e, "hookd_fetch_duration_seconds", plugin, kDurationBuckets, fetch.buckets,
                       fetch.sum_ns);
  }
  e.family("hookd_fetch_bytes_total", "counter",
           "Body bytes of plugins' outbound fetches: sent (requests) and received (responses), by plugin.");
  for (const auto& [plugin, kv, fetch] : calls) {
    if (fetch.all_calls() == 0) continue;
    e.sample("hookd_fetch_bytes_total", {{"plugin", plugin}, {"direction", "sent"}}, fetch.bytes_out);
    e.sample("hookd_fetch_bytes_total", {{"plugin", plugin}, {"direction", "received"}}, fetch.bytes_in);
  }
}

}  // namespace

std::string Metrics::render() const {
  using FnKey = std::tuple<std::string, std::string, uint64_t>;  // plugin, fn, version
  std::map<FnKey, FnTotals> fns;
  std::map<std::pair<std::string, size_t>, uint64_t> memory;  // (plugin, worker)
  int64_t in_flight = 0;
  int64_t websocket_sessions = 0;
  std::array<uint64_t, kWsCloseReasons.size()> websocket_closes{};

  for (const auto& shard : shards_) {
    // Held while reading this shard only: it blocks nothing but the shard
    // worker's first sight of a new pair or plugin.
    std::lock_guard lock(shard->mu_);
    for (const auto& stats : shard->series_)
      add(fns[FnKey{stats->plugin, stats->fn, stats->version}], *stats);
    for (const auto& [plugin, bytes] : shard->memory_) {
      memory[{plugin, shard->index_}] = bytes.load(std::memory_order_relaxed);
    }
    in_flight += shard->in_flight_.load(std::memory_order_relaxed);
    websocket_sessions += shard->websocket_sessions_.load(std::memory_order_relaxed);
    for (size_t i = 0; i < websocket_closes.size(); ++i)
      websocket_closes[i] += shard->websocket_closes_[i].load(std::memory_order_relaxed);
  }
  std::map<std::string, PluginLifecycle, std::less<>> lifecycle;
  std::vector<std::pair<std::string, uint64_t>> log_dropped;
  HostCalls host_calls;
  {
    std::lock_guard lock(lifecycle_mu_);
    lifecycle = lifecycle_;
    for (const auto& [plugin, n] : log_dropped_)
      log_dropped.emplace_back(plugin, n.load(std::memory_order_relaxed));
    for (const auto& [plugin, stats] : host_calls_)
      host_calls.emplace_back(plugin, stats->kv_totals(), stats->fetch_totals());
  }

  Exposition e;

  e.family("hookd_requests_total", "counter", "Requests handled, by plugin, function and HTTP status code.");
  // A versioned plugin's series carry the version that served (during a
  // canary release, stable and canary side by side).
  const auto version_of = [](const FnKey& key) {
    return std::get<2>(key) == 0 ? std::string() : std::to_string(std::get<2>(key));
  };
  const auto version_name = [](const FnKey& key) {
    return std::get<2>(key) == 0 ? std::string_view() : std::string_view("version");
  };
  for (const auto& [key, t] : fns) {
    const std::string version = version_of(key);
    const auto& [plugin, fn, number] = key;
    for (const auto& [code, n] : t.codes) {
      e.sample("hookd_requests_total",
               {{"plugin", plugin}, {"fn", fn}, {version_name(key), version}, {"code", to_label(code)}}, n);
    }
    if (t.other_codes != 0) {
      e.sample("hookd_requests_total",
               {{"plugin", plugin}, {"fn", fn}, {version_name(key), version}, {"code", "other"}},
               t.other_codes);
    }
  }

  e.family("hookd_request_errors_total", "counter", "Failed requests, by plugin, function and error kind.");
  for (const auto& [key, t] : fns) {
    const std::string version = version_of(key);
    const auto& [plugin, fn, number] = key;
    for (size_t i = 0; i < t.errors.size(); ++i) {
      if (t.errors[i] == 0) continue;
      e.sample("hookd_request_errors_total",
               {{"plugin", plugin}, {"fn", fn}, {version_name(key), version}, {"kind", kErrorKinds[i]}},
               t.errors[i]);
    }
  }

  e.family("hookd_request_duration_seconds", "histogram", "Request latency, by plugin and function.");
  static const std::array<std::string, kDurationBuckets.size()> kBucketLabels = [] {
    std::array<std::string, kDurationBuckets.size()> labels;
    for (size_t i = 0; i < labels.size(); ++i) labels[i] = bucket_label(kDurationBuckets[i]);
    return labels;
  }();
  for (const auto& [key, t] : fns) {
    const std::string version = version_of(key);
    const std::string_view vname = version_name(key);
    const auto& [plugin, fn, number] = key;
    // _count is the +Inf bucket by construction, from the same reads.
    uint64_t cumulative = 0;
    for (size_t i = 0; i < kDurationBuckets.size(); ++i) {
      cumulative += t.buckets[i];
      e.sample("hookd_request_duration_seconds_bucket",
               {{"plugin", plugin}, {"fn", fn}, {vname, version}, {"le", kBucketLabels[i]}}, cumulative);
    }
    cumulative += t.buckets.back();
    e.sample("hookd_request_duration_seconds_bucket",
             {{"plugin", plugin}, {"fn", fn}, {vname, version}, {"le", "+Inf"}}, cumulative);
    e.sample("hookd_request_duration_seconds_sum", {{"plugin", plugin}, {"fn", fn}, {vname, version}},
             static_cast<double>(t.sum_ns) / 1e9);
    e.sample("hookd_request_duration_seconds_count", {{"plugin", plugin}, {"fn", fn}, {vname, version}},
             cumulative);
  }

  e.family("hookd_in_flight_requests", "gauge", "Requests being handled now.");
  e.sample("hookd_in_flight_requests", {}, in_flight);

  e.family("hookd_open_websocket_sessions", "gauge", "WebSocket sessions open now.");
  e.sample("hookd_open_websocket_sessions", {}, websocket_sessions);
  e.family(
      "hookd_websocket_sessions_closed_total", "counter",
      "WebSocket sessions ended (refused upgrades included), by why: the close_reason of their access line.");
  for (size_t i = 0; i < kWsCloseReasons.size(); ++i) {
    e.sample("hookd_websocket_sessions_closed_total", {{"reason", kWsCloseReasons[i]}}, websocket_closes[i]);
  }

  e.family("hookd_plugin_memory_bytes", "gauge", "Linear memory of each plugin instance, by worker.");
  for (const auto& [key, bytes] : memory) {
    e.sample("hookd_plugin_memory_bytes", {{"plugin", key.first}, {"worker", to_label(key.second)}}, bytes);
  }

  const std::tuple<std::string_view, std::string_view, uint64_t PluginLifecycle::*> lifecycle_families[] = {
      {"hookd_plugin_loads_total", "Plugins loaded.", &PluginLifecycle::loads},
      {"hookd_plugin_replacements_total", "Plugins replaced by a new version.",
       &PluginLifecycle::replacements},
      {"hookd_plugin_unloads_total", "Plugins unloaded.", &PluginLifecycle::unloads},
  };
  for (const auto& [name, help, field] : lifecycle_families) {
    e.family(name, "counter", help);
    for (const auto& [plugin, counts] : lifecycle) e.sample(name, {{"plugin", plugin}}, counts.*field);
  }

  const std::tuple<std::string_view, std::string_view, LoadTimes PluginLifecycle::*> load_time_families[] = {
      {"hookd_plugin_compile_seconds", "Time to validate and compile a plugin's module, by plugin.",
       &PluginLifecycle::compile},
      {"hookd_plugin_instantiate_seconds",
       "Time for one worker to instantiate a plugin being loaded (once per worker and load), by plugin.",
       &PluginLifecycle::instantiate},
  };
  for (const auto& [name, help, field] : load_time_families) {
    e.family(name, "histogram", help);
    for (const auto& [plugin, times] : lifecycle) {
      const LoadTimes& t = times.*field;
      uint64_t n = 0;
      for (uint64_t b : t.buckets) n += b;
      if (n != 0) plugin_histogram(e, name, plugin, kPluginLoadBuckets, t.buckets, t.sum_ns);
    }
  }

  render_host_calls(e, host_calls);

  e.family("hookd_plugin_log_dropped_total", "counter",
           "Log lines a plugin caused (its own, and its host calls') dropped at its log_rate_per_sec.");
  for (const auto& [plugin, n] : log_dropped)
    e.sample("hookd_plugin_log_dropped_total", {{"plugin", plugin}}, n);

  static constexpr std::array<std::string_view, kListeners> kListenerNames = {"public", "admin", "other"};
  e.family("hookd_connections_total", "counter", "Connections accepted, by listener.");
  for (size_t i = 0; i < kListeners; ++i) {
    e.sample("hookd_connections_total", {{"listener", kListenerNames[i]}},
             connections_[i].value.load(std::memory_order_relaxed));
  }
  e.family("hookd_connections_rejected_total", "counter", "Connections refused at a limit, by listener.");
  for (size_t i = 0; i < kListeners; ++i) {
    e.sample("hookd_connections_rejected_total", {{"listener", kListenerNames[i]}},
             rejected_connections_[i].value.load(std::memory_order_relaxed));
  }
  e.family("hookd_requests_refused_total", "counter",
           "Requests refused at a header guard (431 or 400, then the connection closes), by listener and "
           "reason.");
  for (size_t i = 0; i + 1 < kListeners; ++i) {
    for (size_t r = 0; r < kHeaderRefusalNames.size(); ++r) {
      e.sample("hookd_requests_refused_total",
               {{"listener", kListenerNames[i]}, {"reason", kHeaderRefusalNames[r]}},
               refused_requests_[i][r].value.load(std::memory_order_relaxed));
    }
  }

  e.family("hookd_fetch_requests_total", "counter",
           "Plugins' outbound fetches by outcome: ok, refused (not_allowed, bad_url, blocked_address) or "
           "failed (the upstream's fault or the network's: dns, connect, tls, timeout, too_large, "
           "too_many_redirects, protocol).");
  for (size_t i = 0; i < kFetchOutcomeNames.size(); ++i) {
    e.sample("hookd_fetch_requests_total", {{"outcome", kFetchOutcomeNames[i]}},
             fetches_[i].value.load(std::memory_order_relaxed));
  }

  for (const auto& c : counter_sources_) {
    e.family(c.name, "counter", c.help);
    e.sample(c.name, {}, c.read());
  }
  for (const auto& g : gauge_sources_) {
    e.family(g.name, "gauge", g.help);
    e.sample(g.name, {}, g.read());
  }

  e.family("hookd_start_time_seconds", "gauge",
           "Start time of the process since the Unix epoch, in seconds.");
  e.sample("hookd_start_time_seconds", {}, start_time_seconds_);

  const BuildInfo info = build_info();
  e.family("hookd_build_info", "gauge", "Always 1; the labels say which hookd this is.");
  e.sample("hookd_build_info", {{"version", info.version}, {"commit", info.commit}}, 1);

  return e.take();
}

}  // namespace hookd::server
