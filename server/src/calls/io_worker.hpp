// One I/O worker: an event loop thread that owns one engine isolate with an
// instance of every loaded plugin it runs (those outside the blocking lane). Requests accepted on this worker
// run their plugin call inline, on this thread (thread per core, as Envoy's workers do): no hand-off, no
// queue, no lock on the request path.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "hookd/engine/plugin.hpp"
#include "observability/metrics.hpp"
#include "plugins/plugin_registry.hpp"

namespace hookd::server {

class Session;  // anything the worker must close on drain

struct BoundPlugin {
  std::shared_ptr<const PluginEntry> entry;
  std::unique_ptr<engine::PluginInstance> instance;  // null when another thread runs its calls
  // This worker's metrics series per function (by index), filled on first use.
  std::vector<MetricsShard::FnStats*> fn_stats;
  // A stable version during a release (traffic_split.hpp): this worker's
  // binding of the canary and the split that chooses between them; both
  // null otherwise, which is all a call to a plugin without a release reads.
  BoundPlugin* canary = nullptr;
  const TrafficSplit* split = nullptr;
};

class IoWorker {
 public:
  IoWorker(size_t index, engine::Vm& vm, PluginRegistry& registry);
  ~IoWorker();
  IoWorker(const IoWorker&) = delete;
  IoWorker& operator=(const IoWorker&) = delete;

  // Which plugins this worker instantiates (set before start()): a lane
  // thread only those that run in the blocking lane, an I/O worker only the
  // others. It still resolves every plugin by name, to route a call; one it
  // does not host has no instance.
  enum class Hosting { kInline, kLane };
  void set_hosting(Hosting h) { hosting_ = h; }
  [[nodiscard]] bool blocking_lane() const { return hosting_ == Hosting::kLane; }
  [[nodiscard]] bool hosts(const PluginEntry& e) const { return blocking_lane() == e.blocking; }

  // Where this worker reports its plugins' memory (set before start()).
  void set_metrics(MetricsShard* shard) { metrics_ = shard; }

  void start();
  void stop();  // stops the loop; joins
  // Any thread: aborts the plugin code this worker is running, which ends
  // its call as if its deadline had passed; when none runs, the next one
  // started is aborted. For a drain that ran out of time.
  void terminate_call();
  [[nodiscard]] size_t index() const { return index_; }
  boost::asio::io_context& io() { return io_; }

  // Worker thread only: the plugin as of the newest published catalog, with
  // this worker's instance of it (nullptr if unknown); its stable version,
  // whose `canary` is the canary's binding during a release.
  BoundPlugin* resolve(std::string_view name);
  // Worker thread only: the route table published with that catalog.
  const std::shared_ptr<const routing::RouteTable>& routes();

  // Worker thread only, after a call on `bp` failed, or succeeded and left
  // an instance that must be replaced (a component that serves one request
  // per instance): queues the repair behind the current request, so the
  // next request finds a ready instance instead of instantiating on its own
  // time. A poisoned instance is replaced; an engine that reached its heap
  // limit is rebuilt with every instance of this worker.
  void repair_after_call(const BoundPlugin& bp);

  // Any thread: instantiates `entry` on this worker ahead of its publication
  // (as a queued task, under the plugin's deadline); its value is how long
  // that took (hookd_plugin_instantiate_seconds).
  std::future<engine::Result<std::chrono::nanoseconds>> prepare(std::shared_ptr<const PluginEntry> entry);
  // Any thread: drops a prepared instance that will not be published.
  void discard(uint64_t version);

  // Runs `fn` on the worker thread.
  void post(std::function<void()> fn);

  // Worker thread only: a buffer reused by the calls that run here, one at a
  // time (transcoded input or output).
  std::vector<uint8_t>& scratch() { return scratch_; }

  // A clock read once per sweep, for session deadlines (worker thread only).
  [[nodiscard]] std::chrono::steady_clock::time_point coarse_now() const { return now_; }

  // Sessions register so a drain can reach them (worker thread only).
  void add_session(Session* s) { sessions_.insert(s); }
  void remove_session(Session* s) { sessions_.erase(s); }
  [[nodiscard]] const std::unordered_set<Session*>& sessions() const { return sessions_; }

 private:
  void refresh();
  void sweep();
  void recover(const std::string& name, uint64_t version);
  void rebuild_engine();
  // `entry` bound with this worker's instance: carried over, prepared, or
  // instantiated now; false when it cannot be instantiated.
  bool bind(const std::string& name, const std::shared_ptr<const PluginEntry>& entry, BoundPlugin& out);

  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  size_t index_;
  engine::Vm& vm_;
  PluginRegistry& registry_;
  std::unique_ptr<engine::Worker> engine_worker_;
  // Written only by the worker thread; guards engine_worker_ against
  // terminate_call() from another thread while the engine is replaced.
  std::mutex engine_mu_;
  std::thread thread_;
  uint64_t generation_ = UINT64_MAX;
  std::shared_ptr<const Catalog> catalog_;  // the one bound_ is of
  std::unordered_map<std::string, BoundPlugin, Hash, std::equal_to<>> bound_;
  // The canary versions of plugins in a release; bound_'s entries point here.
  std::unordered_map<std::string, BoundPlugin, Hash, std::equal_to<>> canaries_;
  std::unordered_map<uint64_t, std::unique_ptr<engine::PluginInstance>> prepared_;
  std::unordered_set<Session*> sessions_;
  std::vector<Session*> sweep_list_;  // sweep()'s copy of sessions_
  std::vector<uint8_t> scratch_;
  std::chrono::steady_clock::time_point now_ = std::chrono::steady_clock::now();
  std::unique_ptr<boost::asio::steady_timer> sweeper_;
  MetricsShard* metrics_ = nullptr;
  Hosting hosting_ = Hosting::kInline;
  bool rebuild_queued_ = false;
  // Last, so it is destroyed first: pending handlers own sessions whose
  // destructors still talk to this worker.
  boost::asio::io_context io_{1};
};

}  // namespace hookd::server
