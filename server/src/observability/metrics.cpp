// Recording side of the metrics: shards, the hot-path record(), and the
// process-wide counters. Rendering is in metrics_render.cpp.
#include "observability/metrics.hpp"

#include <algorithm>

#include "observability/host_call_stats.hpp"
#include "observability/metrics_fn_stats.hpp"

namespace hookd::server {
namespace {

constexpr std::string_view kOverflowLabel = "_overflow";

size_t error_kind_index(std::string_view kind) noexcept {
  // The list is short and errors are the uncommon path, so a scan is enough.
  for (size_t i = 0; i + 1 < kErrorKinds.size(); ++i) {
    if (kErrorKinds[i] == kind) return i;
  }
  return kErrorKinds.size() - 1;  // "other"
}

size_t duration_bucket(std::chrono::nanoseconds latency) noexcept {
  // Scanned from the smallest bound: most requests land in the first few.
  size_t i = 0;
  while (i < kDurationBuckets.size() && latency > kDurationBuckets[i]) ++i;
  return i;
}

size_t listener_index(Listener l) noexcept {
  const auto i = static_cast<size_t>(l);
  return i < static_cast<size_t>(Listener::kOther) ? i : static_cast<size_t>(Listener::kOther);
}

}  // namespace

std::size_t ws_close_reason_index(std::string_view reason) noexcept {
  for (std::size_t i = 0; i + 1 < kWsCloseReasons.size(); ++i) {
    if (kWsCloseReasons[i] == reason) return i;
  }
  return kWsCloseReasons.size() - 1;
}

Listener listener_from_string(std::string_view name) {
  if (name == "public") return Listener::kPublic;
  if (name == "admin") return Listener::kAdmin;
  return Listener::kOther;
}

// ---- MetricsShard ----------------------------------------------------------

MetricsShard::MetricsShard(size_t index, size_t max_series) : index_(index), max_series_(max_series) {}

MetricsShard::~MetricsShard() = default;

size_t MetricsShard::KeyHash::operator()(const Key& k) const noexcept {
  const size_t h1 = std::hash<std::string_view>{}(k.plugin);
  const size_t h2 = std::hash<std::string_view>{}(k.fn) + k.version;
  return h1 ^ (h2 + 0x9e3779b97f4a7c15ULL + (h1 << 6) + (h1 >> 2));
}

MetricsShard::FnStats* MetricsShard::fn(std::string_view plugin, std::string_view function,
                                        uint64_t version) {
  if (auto it = index_by_name_.find(Key{plugin, function, version}); it != index_by_name_.end()) {
    return it->second;
  }
  if (series_.size() >= max_series_) {
    // The label contract was broken somewhere; cap the damage to one series.
    if (overflow_ == nullptr) overflow_ = create(kOverflowLabel, kOverflowLabel, 0);
    return overflow_;
  }
  FnStats* stats = create(plugin, function, version);
  // The key views the FnStats' own strings, which live as long as it does.
  index_by_name_.emplace(Key{stats->plugin, stats->fn, version}, stats);
  return stats;
}

MetricsShard::FnStats* MetricsShard::create(std::string_view plugin, std::string_view function,
                                            uint64_t version) {
  auto stats = std::make_unique<FnStats>(plugin, function, version);
  // A loaded plugin's function gets a time series, allocated here once; the
  // cap bounds the memory should the label contract be broken.
  if (!plugin.empty() && !function.empty() && plugin != kOverflowLabel &&
      series_.size() < SecondRing::kMaxRingsPerShard) {
    stats->ring = std::make_unique<SecondRing>();
  }
  FnStats* raw = stats.get();
  std::lock_guard lock(mu_);
  series_.push_back(std::move(stats));
  return raw;
}

void MetricsShard::record(FnStats* stats, int http_status, std::string_view error_kind,
                          std::chrono::nanoseconds latency) noexcept {
  if (stats == nullptr) return;
  FnStats& s = *stats;

  std::atomic<uint64_t>* code_counter = &s.other_codes;
  if (http_status >= 100 && http_status <= 999) {
    const auto code = static_cast<uint32_t>(http_status);
    for (auto& slot : s.codes) {
      const uint32_t seen = slot.code.load(std::memory_order_relaxed);
      if (seen == code) {
        code_counter = &slot.count;
        break;
      }
      if (seen == 0) {
        slot.code.store(code, std::memory_order_release);
        code_counter = &slot.count;
        break;
      }
    }
  }
  bump(*code_counter);

  if (!error_kind.empty()) bump(s.errors[error_kind_index(error_kind)]);

  // A clock that stepped back must not wrap the sum.
  if (latency < std::chrono::nanoseconds::zero()) latency = std::chrono::nanoseconds::zero();
  const size_t bucket = duration_bucket(latency);
  bump(s.buckets[bucket]);
  bump(s.sum_ns, static_cast<uint64_t>(latency.count()));
  if (s.ring) s.ring->record(unix_second_now(), bucket, !error_kind.empty());
}

void MetricsShard::add_in_flight(int delta) noexcept {
  in_flight_.store(in_flight_.load(std::memory_order_relaxed) + delta, std::memory_order_relaxed);
}

void MetricsShard::set_plugin_memory(std::string_view plugin, uint64_t bytes) {
  if (auto it = memory_.find(plugin); it != memory_.end()) {
    it->second.store(bytes, std::memory_order_relaxed);
    return;
  }
  std::lock_guard lock(mu_);
  memory_.try_emplace(std::string(plugin), bytes);
}

void MetricsShard::remove_plugin(std::string_view plugin) {
  auto it = memory_.find(plugin);
  if (it == memory_.end()) return;
  std::lock_guard lock(mu_);
  memory_.erase(it);
}

// ---- Metrics ---------------------------------------------------------------

Metrics::Metrics(size_t workers, std::chrono::system_clock::time_point start_time,
                 size_t max_series_per_shard)
    // Whole milliseconds, divided once: exact to the millisecond, where a
    // double of nanoseconds would render as 1700000000.2500002.
    : start_time_seconds_(
          static_cast<double>(
              std::chrono::duration_cast<std::chrono::milliseconds>(start_time.time_since_epoch()).count()) /
          1000.0) {
  shards_.reserve(workers);
  for (size_t i = 0; i < workers; ++i) {
    // The constructor is private so shards only exist inside a Metrics.
    shards_.push_back(std::unique_ptr<MetricsShard>(new MetricsShard(i, max_series_per_shard)));
  }
}

Metrics::~Metrics() = default;

void Metrics::add_counter_source(std::string name, std::string help, std::function<uint64_t()> read) {
  counter_sources_.push_back({std::move(name), std::move(help), std::move(read)});
}

void Metrics::add_gauge_source(std::string name, std::string help, std::function<int64_t()> read) {
  gauge_sources_.push_back({std::move(name), std::move(help), std::move(read)});
}

void Metrics::count_lifecycle(std::string_view plugin, uint64_t PluginLifecycle::*field) {
  std::lock_guard lock(lifecycle_mu_);
  auto it = lifecycle_.find(plugin);
  if (it == lifecycle_.end()) it = lifecycle_.try_emplace(std::string(plugin)).first;
  ++(it->second.*field);
}

void Metrics::count_plugin_load(std::string_view plugin) { count_lifecycle(plugin, &PluginLifecycle::loads); }
void Metrics::count_plugin_replace(std::string_view plugin) {
  count_lifecycle(plugin, &PluginLifecycle::replacements);
}
void Metrics::count_plugin_unload(std::string_view plugin) {
  count_lifecycle(plugin, &PluginLifecycle::unloads);
}

void Metrics::observe_load_time(std::string_view plugin, LoadTimes PluginLifecycle::*field,
                                std::chrono::nanoseconds took) {
  took = std::max(took, std::chrono::nanoseconds::zero());
  size_t bucket = 0;
  while (bucket < kPluginLoadBuckets.size() && took > kPluginLoadBuckets[bucket]) ++bucket;
  std::lock_guard lock(lifecycle_mu_);
  auto it = lifecycle_.find(plugin);
  if (it == lifecycle_.end()) it = lifecycle_.try_emplace(std::string(plugin)).first;
  LoadTimes& times = it->second.*field;
  ++times.buckets[bucket];
  times.sum_ns += static_cast<uint64_t>(took.count());
}

void Metrics::observe_plugin_compile(std::string_view plugin, std::chrono::nanoseconds took) {
  observe_load_time(plugin, &PluginLifecycle::compile, took);
}
void Metrics::observe_plugin_instantiate(std::string_view plugin, std::chrono::nanoseconds took) {
  observe_load_time(plugin, &PluginLifecycle::instantiate, took);
}

HostCallStats& Metrics::host_calls(std::string_view plugin) {
  std::lock_guard lock(lifecycle_mu_);
  auto it = host_calls_.find(plugin);
  if (it == host_calls_.end())
    it = host_calls_.try_emplace(std::string(plugin), std::make_unique<HostCallStats>()).first;
  return *it->second;
}

std::atomic<uint64_t>& Metrics::plugin_log_dropped(std::string_view plugin) {
  std::lock_guard lock(lifecycle_mu_);
  auto it = log_dropped_.find(plugin);
  if (it == log_dropped_.end()) it = log_dropped_.try_emplace(std::string(plugin)).first;
  return it->second;
}

void Metrics::count_connection(Listener listener) noexcept {
  connections_[listener_index(listener)].value.fetch_add(1, std::memory_order_relaxed);
}

void Metrics::count_rejected_connection(Listener listener) noexcept {
  rejected_connections_[listener_index(listener)].value.fetch_add(1, std::memory_order_relaxed);
}

void Metrics::count_refused_request(Listener listener, HeaderRefusal reason) noexcept {
  refused_requests_[listener_index(listener)][static_cast<size_t>(reason)].value.fetch_add(
      1, std::memory_order_relaxed);
}

}  // namespace hookd::server
