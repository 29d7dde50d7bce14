#include "calls/try_call.hpp"

#include <boost/json.hpp>
#include <chrono>

namespace hookd::server {
namespace json = boost::json;
namespace {

bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    for (size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return false;
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += n + 1;
  }
  return true;
}

std::string base64(std::string_view in) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const uint32_t v = (static_cast<unsigned char>(in[i]) << 16) |
                       (static_cast<unsigned char>(in[i + 1]) << 8) | static_cast<unsigned char>(in[i + 2]);
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back(kAlphabet[v & 63]);
  }
  if (i < in.size()) {
    uint32_t v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

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
  if (valid_utf8(result.body)) {
    out["body"] = result.body;
    out["body_encoding"] = "utf-8";
  } else {
    out["body"] = base64(result.body);
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
