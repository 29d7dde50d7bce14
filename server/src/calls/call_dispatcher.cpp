#include "calls/call_dispatcher.hpp"

#include "calls/blocking_pool.hpp"
#include "calls/plugin_call.hpp"
#include "calls/worker_share.hpp"
#include "net/error_response.hpp"

namespace hookd::server {

void call_error(CallResult& out, http::status status, std::string_view kind, std::string_view message,
                std::string_view plugin, std::string_view fn, std::string_view request_id) {
  out.status = status;
  out.error_kind = kind;
  out.content_type = "application/json";
  out.body = error_json({message, plugin, fn, request_id});
  out.plugin_headers = false;  // a failed call's answer is hookd's alone
}

namespace {

constexpr std::string_view kGone = "plugin or function no longer loaded";

}  // namespace

std::optional<CallRoute> CallDispatcher::resolve(IoWorker& w, std::string_view plugin, std::string_view fn,
                                                 std::string_view request_id, CallResult& error,
                                                 Lookup lookup, const VersionHints* hints) const {
  BoundPlugin* bp = w.resolve(plugin);
  if (bp == nullptr) {
    // Unknown names must not become metric labels: error.plugin stays empty.
    call_error(error, http::status::not_found, "not_found",
               lookup == Lookup::kAgain ? kGone : "unknown plugin", plugin, fn, request_id);
    return std::nullopt;
  }
  // A plugin without a release, with the override off, reads one pointer here.
  if (hints != nullptr && (bp->canary != nullptr || hints->honour_override)) {
    VersionRefusal refusal;
    BoundPlugin* chosen = pick_version(*bp, *hints, refusal);
    if (chosen == nullptr) {
      call_error(error, refusal.status,
                 refusal.status == http::status::not_found ? "not_found" : "bad_request", refusal.message,
                 bp->entry->name, fn, request_id);
      error.plugin = bp->entry->name;
      return std::nullopt;
    }
    const bool canary = chosen != bp;
    auto route = route_in(w, *chosen, fn, request_id, error, lookup);
    if (route) route->canary = canary;
    return route;
  }
  return route_in(w, *bp, fn, request_id, error, lookup);
}

std::optional<CallRoute> CallDispatcher::route_in(IoWorker& w, BoundPlugin& bound, std::string_view fn,
                                                  std::string_view request_id, CallResult& error,
                                                  Lookup lookup) const {
  BoundPlugin* bp = &bound;
  const PluginEntry& entry = *bp->entry;
  const engine::FunctionInfo* info = entry.module->find_function(fn);
  if (info == nullptr) {
    call_error(error, http::status::not_found, "not_found",
               lookup == Lookup::kAgain ? kGone : "unknown function", entry.name, fn, request_id);
    error.plugin = entry.name;
    return std::nullopt;
  }
  const size_t index = static_cast<size_t>(info - entry.module->functions().data());
  if (bp->fn_stats.size() <= index) bp->fn_stats.resize(entry.module->functions().size(), nullptr);
  if (bp->fn_stats[index] == nullptr) {
    bp->fn_stats[index] = metrics_.shard(w.index()).fn(entry.name, info->name, entry.upload_version);
  }
  return CallRoute{bp, info, bp->fn_stats[index]};
}

bool CallDispatcher::dispatch(IoWorker& w, const CallRoute& route, const CallRequest& req, CallSink& sink,
                              CallResult& out) {
  out.plugin = route.plugin();
  out.fn = route.fn->name;
  out.stats = route.stats;
  out.version = route.bound->entry->upload_version;
  if (responses_.spent()) {
    // Slow readers hold the response budget: no new output until they drain.
    call_error(out, http::status::service_unavailable, "overload",
               "too many response bytes waiting for slow clients; retry later", out.plugin, out.fn,
               req.request_id);
    out.retry_after = true;
    return true;
  }
  if (route.bound->entry->blocking) {
    auto job = std::make_shared<Pending>(sink, route, req);
    if (to_lane(w, job)) return false;
    lane_full(*job, out);
    return true;
  }
  if (run_plugin_call(w, limits_, *route.bound, *route.fn, req, out) == Ran::kDone) return true;
  park(w, route, req, sink);
  return false;
}

// A call that left dispatch(): the request with its names owned, the sink
// kept alive, and the result it will report.
struct CallDispatcher::Pending {
  std::shared_ptr<CallSink> sink;
  std::string plugin;
  std::string fn;
  std::string request_id;
  CallRequest req;  // plugin, fn and request_id view the strings above
  MetricsShard::FnStats* stats;
  bool canary;  // stays on the release's canary version while there is one
  uint64_t version;
  CallResult result;

  Pending(CallSink& s, const CallRoute& route, const CallRequest& r)
      : sink(s.keep_alive()),
        plugin(route.plugin()),
        fn(route.fn->name),
        request_id(r.request_id),
        req(r),
        stats(route.stats),
        canary(route.canary),
        version(route.bound->entry->upload_version) {
    req.plugin = plugin;
    req.fn = fn;
    req.request_id = request_id;
  }
  void deliver() {
    result.plugin = plugin;
    result.fn = fn;
    result.stats = stats;
    result.version = version;
    sink->call_done(result);
  }
};

// The blocking lane: the call runs on a pool thread with its own instance of
// the plugin, resolved there by name (a hot replace may have happened since);
// the result goes back to the session's worker.
bool CallDispatcher::to_lane(IoWorker& w, const std::shared_ptr<Pending>& job) {
  IoWorker* home = &w;
  const config::LimitsConfig* limits = &limits_;
  return lane_.submit([job, home, limits](IoWorker& pool_worker) {
    CallResult& result = job->result;
    BoundPlugin* bp = pool_worker.resolve(job->plugin);
    // On the canary while the release keeps it; rolled back, the stable version.
    if (bp != nullptr && job->canary && bp->canary != nullptr) bp = bp->canary;
    if (bp != nullptr) job->version = bp->entry->upload_version;
    // Gone, or replaced by a version that runs inline.
    const bool here = bp != nullptr && bp->instance != nullptr;
    const engine::FunctionInfo* fn = here ? bp->entry->module->find_function(job->fn) : nullptr;
    if (fn != nullptr) {
      run_plugin_call(pool_worker, *limits, *bp, *fn, job->req, result);
    } else {
      call_error(result, http::status::not_found, "not_found", kGone, job->plugin, job->fn, job->request_id);
    }
    home->post([job] { job->deliver(); });
  });
}

void CallDispatcher::lane_full(const Pending& job, CallResult& out) {
  call_error(out, http::status::service_unavailable, "overload", "blocking lane queue is full; retry later",
             out.plugin, out.fn, job.request_id);
  out.retry_after = true;
}

// At the plugin's worker share: the call is tried again shortly on this
// worker, which meanwhile serves its other connections.
void CallDispatcher::park(IoWorker& w, const CallRoute& route, const CallRequest& req, CallSink& sink) {
  auto pending = std::make_shared<Pending>(sink, route, req);
  retry_parked(w, req.arrived, [this, &w, pending] { retry(w, pending); });
}

void CallDispatcher::retry(IoWorker& w, const std::shared_ptr<Pending>& pending) {
  pending->result = {};
  std::optional<CallRoute> route =
      resolve(w, pending->plugin, pending->fn, pending->request_id, pending->result, Lookup::kAgain);
  // On the canary while the release keeps it; rolled back, the stable version.
  if (route && pending->canary && route->bound->canary != nullptr) {
    route =
        route_in(w, *route->bound->canary, pending->fn, pending->request_id, pending->result, Lookup::kAgain);
  }
  if (!route) return pending->deliver();
  pending->stats = route->stats;
  pending->version = route->bound->entry->upload_version;
  if (route->bound->entry->blocking) {
    // Replaced meanwhile by a version that runs in the lane.
    if (to_lane(w, pending)) return;
    pending->result.plugin = pending->plugin;
    pending->result.fn = pending->fn;
    lane_full(*pending, pending->result);
    return pending->deliver();
  }
  if (run_plugin_call(w, limits_, *route->bound, *route->fn, pending->req, pending->result) == Ran::kDone) {
    return pending->deliver();
  }
  retry_parked(w, pending->req.arrived, [this, &w, pending] { retry(w, pending); });
}

}  // namespace hookd::server
