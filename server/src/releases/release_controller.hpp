// Canary releases that watch themselves (docs/releases.md). A release puts
// a kept version of a plugin beside its stable version as a canary
// (PluginManager::install_canary_async), at the weight of its first step,
// and then, on a thread of its own that wakes every 100 ms, judges the
// canary against the stable version from the gateway's own per-second
// series (time_series.hpp, one ring per plugin, function and version) over
// the policy's sliding window:
//   - a breach (the canary's error rate over max_error_rate, or over the
//     stable version's by max_error_rate_above_stable, or its p99 over
//     max_p99_ratio times the stable p99; each once both versions have
//     min_requests in the window) rolls back at once: the canary's weight
//     is stored as 0, which the next call reads, and the canary is removed;
//   - a step whose time has passed, with min_requests calls to the canary
//     in it, moves to the next weight;
//   - the last step passed promotes the canary: it is published as the
//     stable version exactly as a rollback to it is (Persist::kRollback),
//     so a restart serves it.
// Each decision is recorded with its reason. pause() stops the steps'
// clock (breaches still roll back), resume() restarts it, promote() and
// abort() end the release at once. A new stable version (an upload, a
// rollback, a delete) ends a release as superseded.
//
// A release lives in this process only: a restart serves the stable
// version (the catalog's serving one) and forgets the release.
//
// Threading: every public method is for any thread; the state is under one
// mutex, which is never held while waiting on the plugin loader.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "observability/metrics.hpp"
#include "plugins/plugin_catalog.hpp"
#include "plugins/plugin_manager.hpp"
#include "plugins/plugin_registry.hpp"
#include "releases/release_policy.hpp"

namespace hookd::server {

class ReleaseController {
 public:
  struct Parts {
    PluginManager& manager;
    PluginCatalog& catalog;
    const PluginRegistry& registry;
    const Metrics& metrics;
    // A node of a cluster: releases are refused (501), as each node would
    // split and decide alone (docs/releases.md, "Cluster mode").
    bool cluster = false;
  };
  explicit ReleaseController(Parts parts) : parts_(parts) {}
  ~ReleaseController();  // stop()
  ReleaseController(const ReleaseController&) = delete;
  ReleaseController& operator=(const ReleaseController&) = delete;

  // Starts the decision thread; stop() joins it. Idempotent.
  void start();
  void stop();

  // A reply for the admin API: an HTTP status and its JSON body (the
  // release, or {"error": ...}).
  struct Reply {
    int status = 200;
    boost::json::object body;
  };
  using ReplyFn = std::function<void(Reply)>;

  // Starts a release of `name`, whose kept version `canary` (its module and
  // settings) becomes the canary beside stable version `stable_version`.
  // `done` runs once the canary serves (on the plugin loader's thread), or
  // at once when a release of `name` is already running (409) or this is a
  // cluster node (501).
  void begin(const std::string& name, uint64_t stable_version, ReleasePolicy policy,
             std::shared_ptr<StoredPlugin> canary, ReplyFn done);
  // The release of `name` (running, or the last one that ended); 404 when
  // it has had none since the start.
  Reply show(const std::string& name) const;
  enum class Action { kPause, kResume, kPromote, kAbort };
  // 409 when no release of `name` is running (or, for pause and resume,
  // it is not running or paused as the action needs).
  Reply act(const std::string& name, Action action);

  // The decision thread's work, for tests that step it: judges every
  // running release once.
  void tick();

 private:
  enum class State {
    kStarting,
    kRunning,
    kPaused,
    kPromoting,
    kPromoted,
    kRolledBack,
    kAborted,
    kSuperseded,
    kFailed
  };
  struct Decision {
    std::chrono::system_clock::time_point at;
    std::string action;  // "start", "step", "pause", "resume", "promote", "rollback", "abort", "superseded"
    std::string reason;
  };
  struct Release {
    std::string plugin;
    uint64_t stable_version = 0;
    uint64_t canary_version = 0;
    ReleasePolicy policy;
    std::shared_ptr<TrafficSplit> split;
    std::shared_ptr<StoredPlugin> canary;  // kept for the promotion
    State state = State::kStarting;
    size_t step = 0;
    // The step's clock: time run before the last pause, and since when it runs.
    std::chrono::steady_clock::duration step_ran{};
    std::chrono::steady_clock::time_point step_since;
    uint32_t step_first_second = 0;  // Unix second the step began (its canary calls count from there)
    uint32_t first_second = 0;       // Unix second the canary began to serve
    std::chrono::system_clock::time_point started;
    std::optional<std::chrono::system_clock::time_point> ended;
    std::deque<Decision> decisions;  // the last kMaxDecisions, oldest first
  };
  static constexpr size_t kMaxDecisions = 32;

  void run();
  // With mu_ held.
  void decide(Release& r);
  void record(Release& r, std::string action, std::string reason);
  void roll_back(Release& r, std::string reason);
  void promote(Release& r, std::string reason);
  void end_canary(Release& r, State state, std::string action, std::string reason);
  [[nodiscard]] boost::json::object describe(const Release& r) const;
  [[nodiscard]] static bool live(State s) {
    return s == State::kStarting || s == State::kRunning || s == State::kPaused || s == State::kPromoting;
  }

  Parts parts_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::map<std::string, std::shared_ptr<Release>, std::less<>> releases_;  // by plugin
  std::thread thread_;
};

}  // namespace hookd::server
