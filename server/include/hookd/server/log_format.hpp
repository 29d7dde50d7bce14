// The gateway's log line formats (log.format): spdlog's text lines, or one
// JSON object per line whose message is escaped as a JSON string, so no
// message (a plugin's included) can break the line or the JSON.
#pragma once

#include <spdlog/formatter.h>

#include <memory>

#include "hookd/config/config.hpp"

namespace hookd::server {

std::unique_ptr<spdlog::formatter> make_log_formatter(config::LogFormat format);

}  // namespace hookd::server
