// One plugin call made from the admin API (the dashboard's Try-it), run on
// an I/O worker through the same dispatcher as a public request: the same
// limits, lane, metrics, time series and error log; only the transport
// differs. The outcome comes back as JSON: status, headers, body, duration.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "calls/call_dispatcher.hpp"
#include "observability/exchange_recorder.hpp"

namespace hookd::server {

struct TryCallInput {
  std::string plugin;
  std::string fn;
  std::string body;
  std::string content_type;
  std::string request_id;
  // As on the public route (wanted_encoding): a JSON request to a msgpack
  // function gets JSON back.
  Encoding want = Encoding::kAsDeclared;
};

/// The JSON the admin API answers with; `done` gets it on `worker`'s thread.
using TryCallDone = std::function<void(http::status status, std::string json)>;

/// Any thread: runs the call on `worker` (an I/O worker, not a lane thread)
/// through `calls`, and records it with `recorder` (not in flight, no access
/// line: it is not a public request).
void start_try_call(CallDispatcher& calls, ExchangeRecorder& recorder, IoWorker& worker, TryCallInput input,
                    TryCallDone done);

/// The JSON for a finished call (exposed for tests): body as text when it
/// is valid UTF-8, else base64 with "body_encoding":"base64".
std::string try_call_json(const CallResult& result, std::string_view request_id, double duration_ms);

}  // namespace hookd::server
