// What every transport records when one of its exchanges ends, written
// once so HTTP, WebSocket and Try-it count alike: the in-flight gauge, the
// request metrics, the error event (call_events.hpp) and the access line.
#pragma once

#include <chrono>
#include <cstddef>
#include <string_view>

#include "observability/access_log.hpp"
#include "observability/event_log.hpp"
#include "observability/metrics.hpp"

namespace hookd::server {

// One finished exchange. Views valid for the call.
struct Exchange {
  size_t worker = 0;     // whose metrics shard (the recording thread's)
  bool counted = false;  // begin() counted it in flight
  int status = 0;
  std::string_view error_kind;  // "" on success
  // Labels: the plugin and function as loaded, empty when the client named
  // no loaded one.
  std::string_view plugin;
  std::string_view fn;
  MetricsShard::FnStats* stats = nullptr;  // nullptr: looked up by the labels
  std::string_view request_id;
  std::string_view body;  // the response: the error event's message, the line's bytes
  std::chrono::nanoseconds elapsed{};
  // The access line's transport fields (client, method, target, plugin, fn,
  // session); the rest is filled in here. Null: no line (a Try-it call).
  AccessRecord* access = nullptr;
};

class ExchangeRecorder {
 public:
  // `access_log` may be null (log.access_log off). `websocket_messages`:
  // whether each WebSocket message gets an access line too
  // (log.websocket_messages), not only its session.
  ExchangeRecorder(Metrics& metrics, EventLog& events, AccessLog* access_log, bool websocket_messages = false)
      : metrics_(metrics),
        events_(events),
        access_log_(access_log),
        websocket_messages_(access_log != nullptr && websocket_messages) {}

  // On worker `worker`'s thread: a request is being handled.
  void begin(size_t worker) { metrics_.shard(worker).add_in_flight(1); }
  // On the same thread: it ended.
  void end(const Exchange& e);

  // Whether a WebSocket message's Exchange should carry an access line.
  [[nodiscard]] bool logs_websocket_messages() const { return websocket_messages_; }
  // A WebSocket session opened (+1) or ended (-1): the open sessions gauge.
  // Any thread (a session may end on another at shutdown).
  void websocket_session(size_t worker, int delta) { metrics_.shard(worker).add_websocket_session(delta); }
  // A WebSocket session ended: counted by its close_reason, and its line
  // (`line.websocket` set) when the access log is on. Any thread, like
  // AccessLog::write.
  void websocket_session_ended(size_t worker, const AccessRecord& line) {
    if (line.websocket != nullptr) {
      metrics_.shard(worker).count_websocket_close(ws_close_reason_index(line.websocket->close_reason));
    }
    if (access_log_ != nullptr) access_log_->write(worker, line);
  }

 private:
  Metrics& metrics_;
  EventLog& events_;
  AccessLog* access_log_;
  bool websocket_messages_;
};

}  // namespace hookd::server
