#include "observability/call_events.hpp"

#include <boost/json.hpp>

namespace hookd::server {

void note_call_error(EventLog& log, std::string_view plugin, std::string_view fn, std::string_view request_id,
                     int status, std::string_view error_kind, std::string_view body) {
  if (error_kind.empty() || plugin.empty()) return;
  std::string message;
  // Our own error objects are small; a plugin's own error body is cut first.
  const std::string_view head = body.substr(0, EventLog::kMaxMessageBytes * 2);
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(head, ec);
  if (!ec && v.is_object()) {
    if (const auto* e = v.as_object().if_contains("error"); e != nullptr && e->is_string())
      message = std::string(e->as_string());
  }
  if (message.empty()) message = std::string(head);
  Event ev;
  ev.level = status >= 500 ? EventLevel::kError : EventLevel::kWarn;
  ev.kind = "error";
  ev.plugin = std::string(plugin);
  ev.fn = std::string(fn);
  ev.request_id = std::string(request_id);
  ev.status = status;
  ev.message = std::string(error_kind) + ": " + message;
  log.add(std::move(ev));
}

}  // namespace hookd::server
