// The gateway's metrics, rendered for `GET /metrics` in the Prometheus text
// exposition format 0.0.4.
//
// Request metrics are recorded on the hot path of every request, so they are
// sharded per I/O worker: each worker owns one MetricsShard that only its
// thread writes, with relaxed atomic counters that are never contended (a
// plain load and store, no lock prefix, no shared cache line). render() runs
// rarely, from any thread, and sums the shards. A (plugin, fn) pair is looked
// up once and its FnStats pointer cached by the worker; the lookup takes the
// shard's lock only the first time the pair is seen on that shard.
//
// Label contract: every label value comes from the server, never from the
// client. Callers pass only names of plugins and functions that exist (after
// resolving them), so the label sets stay bounded by what operators load.
// Requests that are not plugin calls (healthz, readyz, metrics, unknown
// plugins or routes) are recorded with plugin="" and fn=""; a call to an
// unknown function of a known plugin with fn="". Error kinds and listener
// names are closed vocabularies (kErrorKinds, Listener); anything else is
// counted as "other". As a last guard, a shard holds at most
// `max_series_per_shard` (plugin, fn) pairs; beyond that, requests are
// counted under plugin="_overflow", fn="_overflow".
//
// Error policy: nothing here throws on the request path. fn() and
// set_plugin_memory() allocate only when they meet a new name; if that
// allocation fails the process is out of memory anyway.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace hookd::server {

/// Content-Type of render()'s output.
inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

/// The error kinds hookd_request_errors_total may carry. The last one,
/// "other", stands for any kind not in this list.
inline constexpr std::array<std::string_view, 13> kErrorKinds = {
    "trap",      "timeout",         "out_of_memory", "plugin_error", "host_error", "protocol", "overload",
    "not_found", "input_too_large", "bad_request",   "method",       "internal",   "other",
};

/// Upper bounds (inclusive) of the request duration histogram's buckets;
/// a +Inf bucket follows.
inline constexpr std::array<std::chrono::nanoseconds, 17> kDurationBuckets = {
    std::chrono::microseconds(50),  std::chrono::microseconds(100), std::chrono::microseconds(250),
    std::chrono::microseconds(500), std::chrono::milliseconds(1),   std::chrono::microseconds(2500),
    std::chrono::milliseconds(5),   std::chrono::milliseconds(10),  std::chrono::milliseconds(25),
    std::chrono::milliseconds(50),  std::chrono::milliseconds(100), std::chrono::milliseconds(250),
    std::chrono::milliseconds(500), std::chrono::seconds(1),        std::chrono::milliseconds(2500),
    std::chrono::seconds(5),        std::chrono::seconds(10),
};

/// Upper bounds (inclusive) of the plugin compile and instantiate
/// histograms; a +Inf bucket follows.
inline constexpr std::array<std::chrono::nanoseconds, 12> kPluginLoadBuckets = {
    std::chrono::milliseconds(1),    std::chrono::milliseconds(5),   std::chrono::milliseconds(10),
    std::chrono::milliseconds(25),   std::chrono::milliseconds(50),  std::chrono::milliseconds(100),
    std::chrono::milliseconds(250),  std::chrono::milliseconds(500), std::chrono::seconds(1),
    std::chrono::milliseconds(2500), std::chrono::seconds(5),        std::chrono::seconds(10),
};

class SecondRing;     // per-second time series of a pair (server/src/observability/time_series.hpp)
class HostCallStats;  // a plugin's KV and fetch calls (host_call_stats.hpp)

enum class Listener : uint8_t { kPublic, kAdmin, kOther };

/// Why a request was refused at a header guard (request_guard.hpp), the
/// reason label of hookd_requests_refused_total.
enum class HeaderRefusal : uint8_t { kBytes, kFields, kObsFold };
// hookd_fetch_requests_total's outcome label: "ok", then each
// host::FetchError::Code in its order (counting_fetcher.hpp).
inline constexpr std::array<std::string_view, 11> kFetchOutcomeNames = {
    "ok",  "not_allowed", "bad_url",   "blocked_address",    "dns",     "connect",
    "tls", "timeout",     "too_large", "too_many_redirects", "protocol"};
inline constexpr std::size_t kFetchOk = 0;

/// Why a WebSocket session ended: the reason label of
/// hookd_websocket_sessions_closed_total and the close_reason of its access
/// line (ws_session.cpp says when each applies).
inline constexpr std::array<std::string_view, 11> kWsCloseReasons = {
    "client_close", "client_gone", "idle_timeout", "write_timeout", "drain",          "plugin_removed",
    "error",        "too_big",     "overload",     "refused",       "protocol_error",
};
/// The index of `reason` in kWsCloseReasons; an unknown one counts as the last.
std::size_t ws_close_reason_index(std::string_view reason) noexcept;

inline constexpr std::array<std::string_view, 3> kHeaderRefusalNames = {"header_bytes", "header_fields",
                                                                        "obs_fold"};
/// "public", "admin", anything else is kOther.
Listener listener_from_string(std::string_view name);

class Metrics;

/// One worker's share of the request metrics. Every method is for the owning
/// worker thread only, except that Metrics::render() reads it concurrently.
class alignas(64) MetricsShard {
 public:
  /// Counters of one (plugin, fn) pair on this shard. Opaque; its address is
  /// stable for the life of the Metrics, so workers may cache it.
  struct FnStats;

  ~MetricsShard();
  MetricsShard(const MetricsShard&) = delete;
  MetricsShard& operator=(const MetricsShard&) = delete;

  /// Finds or creates the stats of a pair. Never returns nullptr. Does not
  /// allocate for a pair already seen; locks only when creating one.
  /// `version`: the plugin's upload version (docs/releases.md) that served,
  /// the series' `version` label; 0 for a plugin without versions, whose
  /// series have no such label.
  FnStats* fn(std::string_view plugin, std::string_view function, uint64_t version = 0);

  /// Counts one finished request: its status code, its error kind (empty when
  /// it succeeded; a kErrorKinds entry otherwise) and its latency.
  void record(FnStats* stats, int http_status, std::string_view error_kind,
              std::chrono::nanoseconds latency) noexcept;

  /// Requests being handled by this worker (only its thread writes the
  /// counter, so no atomic add is needed).
  void add_in_flight(int delta) noexcept;

  /// WebSocket sessions open on this worker. Unlike the request counters,
  /// any thread may call it (a session can end on another at shutdown): an
  /// atomic add, once per session, never per message.
  void add_websocket_session(int delta) noexcept {
    websocket_sessions_.fetch_add(delta, std::memory_order_relaxed);
  }
  /// A WebSocket session ended, for a reason of kWsCloseReasons; any thread.
  void count_websocket_close(std::size_t reason) noexcept {
    if (reason < websocket_closes_.size()) websocket_closes_[reason].fetch_add(1, std::memory_order_relaxed);
  }

  /// This worker's linear memory of a plugin's instance, in bytes.
  void set_plugin_memory(std::string_view plugin, uint64_t bytes);
  /// The plugin was unloaded from this worker: its memory gauge disappears.
  /// Its request counters stay, as Prometheus counters must not go back.
  void remove_plugin(std::string_view plugin);

  [[nodiscard]] size_t index() const { return index_; }

 private:
  friend class Metrics;
  MetricsShard(size_t index, size_t max_series);

  struct Key {  // views into FnStats
    std::string_view plugin;
    std::string_view fn;
    uint64_t version = 0;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const noexcept;
  };
  FnStats* create(std::string_view plugin, std::string_view function, uint64_t version);

  size_t index_;
  size_t max_series_;
  // Guards the shape of series_ and memory_ against render(). The owning
  // thread reads them without it (it is their only writer); it takes the
  // lock only to insert or erase.
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<FnStats>> series_;
  std::map<std::string, std::atomic<uint64_t>, std::less<>> memory_;
  // Owning thread only; never read by render().
  std::unordered_map<Key, FnStats*, KeyHash> index_by_name_;
  FnStats* overflow_ = nullptr;
  std::atomic<int64_t> in_flight_{0};
  std::atomic<int64_t> websocket_sessions_{0};
  std::array<std::atomic<uint64_t>, kWsCloseReasons.size()> websocket_closes_{};
};

/// The gateway's metrics: one shard per I/O worker plus process-wide values.
class Metrics {
 public:
  static constexpr size_t kDefaultMaxSeriesPerShard = 10'000;

  /// `start_time` is exported as hookd_start_time_seconds.
  explicit Metrics(size_t workers,
                   std::chrono::system_clock::time_point start_time = std::chrono::system_clock::now(),
                   size_t max_series_per_shard = kDefaultMaxSeriesPerShard);
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  [[nodiscard]] size_t workers() const { return shards_.size(); }
  /// `worker` < workers().
  MetricsShard& shard(size_t worker) { return *shards_[worker]; }

  // Process-wide values; any thread.
  void count_plugin_load(std::string_view plugin);
  void count_plugin_replace(std::string_view plugin);
  void count_plugin_unload(std::string_view plugin);
  /// How long a plugin's module took to validate and compile (on the
  /// loader), and one worker's instance of it to instantiate.
  void observe_plugin_compile(std::string_view plugin, std::chrono::nanoseconds took);
  void observe_plugin_instantiate(std::string_view plugin, std::chrono::nanoseconds took);
  void count_connection(Listener listener) noexcept;
  void count_connection(std::string_view listener) noexcept {
    count_connection(listener_from_string(listener));
  }
  void count_rejected_connection(Listener listener) noexcept;
  void count_rejected_connection(std::string_view listener) noexcept {
    count_rejected_connection(listener_from_string(listener));
  }
  void count_refused_request(Listener listener, HeaderRefusal reason) noexcept;
  // A plugin's fetch and its outcome (an index of kFetchOutcomeNames).
  void count_fetch(std::size_t outcome) noexcept {
    if (outcome < fetches_.size()) fetches_[outcome].value.fetch_add(1, std::memory_order_relaxed);
  }

  /// The counter of a plugin's log lines dropped at its log rate
  /// (hookd_plugin_log_dropped_total); the same one across reloads. The
  /// reference stays valid for the life of this object; any thread.
  std::atomic<uint64_t>& plugin_log_dropped(std::string_view plugin);

  /// The counters of a plugin's KV and fetch host calls; the same ones
  /// across reloads. The reference stays valid for the life of this object;
  /// any thread.
  HostCallStats& host_calls(std::string_view plugin);

  /// A counter another part of the gateway keeps (the access log's dropped
  /// lines), read when rendering. Before serving starts; `read` must stay
  /// callable for the life of this object.
  void add_counter_source(std::string name, std::string help, std::function<uint64_t()> read);
  /// The same for a gauge (the request budget's bytes held).
  void add_gauge_source(std::string name, std::string help, std::function<int64_t()> read);

  /// The exposition text; any thread. Values written concurrently may or may
  /// not be included, but each histogram is self-consistent (_count equals
  /// its +Inf bucket).
  [[nodiscard]] std::string render() const;

  /// Any thread: `visit` sees the per-second ring of every (plugin, fn,
  /// version) series of a loaded plugin on every worker (metrics_series.cpp),
  /// under that worker's shard lock, so it must not call back into the metrics.
  using RingVisitor = std::function<void(std::string_view plugin, std::string_view fn, uint64_t version,
                                         const SecondRing& ring)>;
  void visit_rings(const RingVisitor& visit) const;

 private:
  struct LoadTimes {
    std::array<uint64_t, kPluginLoadBuckets.size() + 1> buckets{};  // not cumulative
    uint64_t sum_ns = 0;
  };
  struct PluginLifecycle {
    uint64_t loads = 0;
    uint64_t replacements = 0;
    uint64_t unloads = 0;
    LoadTimes compile;
    LoadTimes instantiate;
  };
  struct alignas(64) PaddedCounter {
    std::atomic<uint64_t> value{0};
  };
  static constexpr size_t kListeners = 3;

  void count_lifecycle(std::string_view plugin, uint64_t PluginLifecycle::*field);
  void observe_load_time(std::string_view plugin, LoadTimes PluginLifecycle::*field,
                         std::chrono::nanoseconds took);

  std::vector<std::unique_ptr<MetricsShard>> shards_;
  double start_time_seconds_;
  std::array<PaddedCounter, kListeners> connections_;
  std::array<PaddedCounter, kListeners> rejected_connections_;
  std::array<std::array<PaddedCounter, kHeaderRefusalNames.size()>, kListeners> refused_requests_;
  std::array<PaddedCounter, kFetchOutcomeNames.size()> fetches_;
  mutable std::mutex lifecycle_mu_;
  std::map<std::string, PluginLifecycle, std::less<>> lifecycle_;
  std::map<std::string, std::atomic<uint64_t>, std::less<>> log_dropped_;          // under lifecycle_mu_
  std::map<std::string, std::unique_ptr<HostCallStats>, std::less<>> host_calls_;  // under lifecycle_mu_
  struct CounterSource {
    std::string name;
    std::string help;
    std::function<uint64_t()> read;
  };
  std::vector<CounterSource> counter_sources_;
  struct GaugeSource {
    std::string name;
    std::string help;
    std::function<int64_t()> read;
  };
  std::vector<GaugeSource> gauge_sources_;
};

}  // namespace hookd::server
