// The gateway's log line formats (log.format): spdlog's text lines, or one
// JSON object per line whose message is escaped as a JSON string, so no
// message (a plugin's included) can break the line or the JSON. A line about
// a plugin call starts "[plugin <name>] [<request id>] " in the text format;
// in JSON those are the fields "plugin" and "request_id".
#pragma once

#include <spdlog/formatter.h>

#include <memory>
#include <string_view>

#include "hookd/config/config.hpp"

namespace hookd::server {

// The plugin and request id a line is about, and the rest of its message.
struct LogSubject {
  std::string_view plugin;      // empty: not about a plugin
  std::string_view request_id;  // empty: no request
  // A sampled trace's ids ("trace_id=<32 hex> span_id=<16 hex> " after the
  // request id); empty when the line has none.
  std::string_view trace_id;
  std::string_view span_id;
  std::string_view message;
};
LogSubject split_log_subject(std::string_view line);

std::unique_ptr<spdlog::formatter> make_log_formatter(config::LogFormat format);

}  // namespace hookd::server
