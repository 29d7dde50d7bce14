#include "calls/try_call.hpp"

#include <boost/json.hpp>
#include <chrono>

#include "hookd/util/base64.hpp"
#include "hookd/util/utf8.hpp"

namespace hookd::server {
namespace json = boost::json;
namespace {

// Lives while its call is away (lane, parked): the dispatcher keeps it by
// keep_alive().
class TryCall : public CallSink, public std::enable_shared_from_this<TryCall> {
 public:
  TryCall(CallDispatcher& calls, ExchangeRecorder& recorder, IoWorker& worker, TryCallInput input,
          TryCallDone done)
      : calls_(calls), recorder_(recorder), worker_(worker), in_(std::move(input)), done_(std::move(done)) {}

  void run() {
    started_ = std::chrono::steady_clock::now();
    CallResult out;
    auto route = calls_.resolve(worker_, in_.plugin, in_.fn, in_.request_id, out);
    if (!route) return finish(out);
    const CallRequest req{in_.plugin, in_.fn, in_.body, in_.content_type, in_.want, in_.request_id, started_};
    if (calls_.dispatch(worker_, *route, req, *this, out)) finish(out);
  }

  void call_done(CallResult& result) override { finish(result); }
  std::shared_ptr<CallSink> keep_alive() override { return shared_from_this(); }

 private:
  void finish(CallResult& result) {
    const auto elapsed = std::chrono::steady_clock::now() - started_;
    recorder_.end({.worker = worker_.index(),
                   .status = static_cast<int>(result.status),
                   .error_kind = result.error_kind,
                   .plugin = result.plugin,
                   .fn = result.fn,
                   .stats = result.stats,
                   .request_id = in_.request_id,
                   .body = result.body,
                   .elapsed = std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed)});
    const double ms = std::chrono::duration<double, std::milli>(elapsed).count();
    done_(http::status::ok, try_call_json(result, in_.request_id, ms));
  }

  CallDispatcher& calls_;
  ExchangeRecorder& recorder_;
  IoWorker& worker_;
  TryCallInput in_;
  TryCallDone done_;
  std::chrono::steady_clock::time_point started_{};
};

}  // namespace

std::string try_call_json(const CallResult& result, std::string_view request_id, double duration_ms) {
  json::object headers{{"content-type", result.content_type}, {"x-request-id", request_id}};
  if (result.retry_after) headers["retry-after"] = "1";
  json::object out{
      {"status", static_cast<int>(result.status)},
      {"headers", std::move(headers)},
      {"duration_ms", duration_ms},
      {"request_id", request_id},
      {"error_kind", result.error_kind.empty() ? json::value(nullptr) : json::value(result.error_kind)}};
  if (util::valid_utf8(result.body)) {
    out["body"] = result.body;
    out["body_encoding"] = "utf-8";
  } else {
    out["body"] = util::base64_encode(result.body);
    out["body_encoding"] = "base64";
  }
  return json::serialize(out) + "\n";
}

void start_try_call(CallDispatcher& calls, ExchangeRecorder& recorder, IoWorker& worker, TryCallInput input,
                    TryCallDone done) {
  auto call = std::make_shared<TryCall>(calls, recorder, worker, std::move(input), std::move(done));
  worker.post([call] { call->run(); });
}

}  // namespace hookd::server
