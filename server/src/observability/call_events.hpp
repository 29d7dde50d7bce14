// Failed plugin calls into the event log (event_log.hpp), from every
// transport: one function, so HTTP, WebSocket and Try-it log alike.
#pragma once

#include <string_view>

#include "observability/event_log.hpp"

namespace hookd::server {

/// Adds an "error" event when `error_kind` is set and `plugin` names a
/// loaded plugin (calls to unknown names are the client's mistake and would
/// let anyone fill the ring). The message is the JSON error's "error" field,
/// or the body itself when it is not such an object.
void note_call_error(EventLog& log, std::string_view plugin, std::string_view fn, std::string_view request_id,
                     int status, std::string_view error_kind, std::string_view body);

}  // namespace hookd::server
