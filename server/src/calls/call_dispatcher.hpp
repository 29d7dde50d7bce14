// The one plugin-call pipeline. HttpSession and WsSession translate their
// wire format into a CallRequest and a CallResult back; everything between is
// here: resolving plugin and function, the response budget, the choice
// between running the call inline on this I/O worker and handing it to the
// blocking lane, parking a call at its plugin's worker share, and (in
// plugin_call.hpp) the concurrency limit, transcoding and the mapping of the
// call's outcome to a status and error kind.
//
// Threading: resolve() and dispatch() run on the session's I/O worker. A call
// that does not finish inside dispatch() (it went to the lane, or was parked)
// reports through CallSink::call_done, later, on that same worker thread.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "calls/io_worker.hpp"
#include "calls/version_pick.hpp"
#include "hookd/config/config.hpp"
#include "hookd/engine/http_exchange.hpp"
#include "net/http_types.hpp"
#include "net/response_budget.hpp"
#include "observability/metrics.hpp"
#include "observability/tracer.hpp"

namespace hookd::server {

class BlockingPool;

// What the client wants back from a msgpack or JSON function.
enum class Encoding { kAsDeclared, kJson, kMsgpack };

// One call as a transport hands it over. The views stay valid (the session
// reads nothing more from its client) until the result is delivered.
struct CallRequest {
  std::string_view plugin;  // as the client named them
  std::string_view fn;
  std::string_view body;
  std::string_view content_type;
  Encoding want = Encoding::kAsDeclared;
  std::string_view request_id;
  // When the request arrived: how long a call parked at its plugin's worker
  // share may still wait.
  std::chrono::steady_clock::time_point arrived{};
  // The HTTP exchange the call answers (engine/http_exchange.hpp), owned by
  // the session and alive until the result is delivered; null when the
  // transport has none (a WebSocket message has no response to shape).
  // The sink is reset by the session before the call.
  const engine::RequestView* request = nullptr;
  engine::ResponseSink* response = nullptr;
  // The request's trace (observability/tracer.hpp), owned by the session
  // like the views above; null when tracing is off. The call records its
  // span under it and notes the plugin's version there.
  RequestTrace* trace = nullptr;
};

// A call's outcome in no transport's terms. `body` is the output, or on
// error (error_kind set) the JSON error object every transport sends.
struct CallResult {
  http::status status = http::status::ok;
  std::string_view error_kind;  // "" on success
  std::string_view content_type;
  std::string body;
  bool retry_after = false;
  // The plugin set response headers (CallRequest::response) that the
  // transport adds, all but Content-Type (which is content_type).
  bool plugin_headers = false;
  // Labels for metrics and logs: the names as loaded, empty when the client
  // named no loaded plugin or function. Valid until call_done returns.
  std::string_view plugin;
  std::string_view fn;
  MetricsShard::FnStats* stats = nullptr;  // nullptr: look it up by the names
  // The upload version that served (docs/releases.md); 0: none (no plugin
  // resolved, or a plugin without versions).
  uint64_t version = 0;
};

// A plugin and function as loaded on one worker.
struct CallRoute {
  BoundPlugin* bound = nullptr;
  const engine::FunctionInfo* fn = nullptr;
  MetricsShard::FnStats* stats = nullptr;  // this worker's series
  bool canary = false;                     // `bound` is a release's canary version
  [[nodiscard]] std::string_view plugin() const { return bound->entry->name; }
};

// Where a call that did not finish inside dispatch() reports.
class CallSink {
 public:
  // On the dispatching worker's thread.
  virtual void call_done(CallResult& result) = 0;
  // Keeps the sink alive while the call is elsewhere.
  virtual std::shared_ptr<CallSink> keep_alive() = 0;

 protected:
  ~CallSink() = default;
};

class CallDispatcher {
 public:
  // `limits`: the call limits (max_response_bytes); `metrics`: where a
  // route's series are; `responses`: no new call while it is spent; `lane`:
  // where the plugins that may wait on the network run.
  CallDispatcher(const config::LimitsConfig& limits, Metrics& metrics, const ResponseBudget& responses,
                 BlockingPool& lane)
      : limits_(limits), metrics_(metrics), responses_(responses), lane_(lane) {}

  // How a failed lookup is worded: a name the client sent now, or a target
  // that was loaded when the session began (a WebSocket's later messages).
  enum class Lookup { kNamed, kAgain };
  // I/O worker thread: the route, or the 404 in `error`. `hints`: what
  // chooses between a release's stable and canary versions
  // (version_pick.hpp); null: the stable one.
  std::optional<CallRoute> resolve(IoWorker& w, std::string_view plugin, std::string_view fn,
                                   std::string_view request_id, CallResult& error,
                                   Lookup lookup = Lookup::kNamed, const VersionHints* hints = nullptr) const;

  // I/O worker thread: runs the call inline (true: `out` is the result) or
  // hands it on (false: `sink.call_done` gets it later on this thread).
  bool dispatch(IoWorker& w, const CallRoute& route, const CallRequest& req, CallSink& sink, CallResult& out);

 private:
  struct Pending;
  // The route to `fn` of version `bp`, or the 404 in `error`.
  std::optional<CallRoute> route_in(IoWorker& w, BoundPlugin& bp, std::string_view fn,
                                    std::string_view request_id, CallResult& error, Lookup lookup) const;
  // False when the lane's queue is full (the job is dropped).
  bool to_lane(IoWorker& w, const std::shared_ptr<Pending>& job);
  static void lane_full(const Pending& job, CallResult& out);
  void park(IoWorker& w, const CallRoute& route, const CallRequest& req, CallSink& sink);
  void retry(IoWorker& w, const std::shared_ptr<Pending>& pending);

  const config::LimitsConfig& limits_;
  Metrics& metrics_;
  const ResponseBudget& responses_;
  BlockingPool& lane_;
};

// Sets `out` to the JSON error a client gets.
void call_error(CallResult& out, http::status status, std::string_view kind, std::string_view message,
                std::string_view plugin, std::string_view fn, std::string_view request_id);

}  // namespace hookd::server
