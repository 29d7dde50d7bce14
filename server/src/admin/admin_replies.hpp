// Replies the admin API's handlers share (admin_api.cpp, version_api.cpp).
#pragma once

#include <boost/json/value.hpp>
#include <chrono>
#include <string>

#include "hookd/config/config.hpp"
#include "hookd/engine/result.hpp"
#include "net/http_types.hpp"

namespace hookd::server {

// "2026-12-07T22:37:50Z"
std::string rfc3339(std::chrono::system_clock::time_point t);
void send_json(HttpResponse& res, http::status status, const boost::json::value& v);
// The status of a failed plugin load (an upload or a rollback).
http::status status_for_load_error(const engine::Error& error);
// The 409 for a change (`what`: "an upload cannot replace it") to plugin
// `name`, which the config file's `pinned` entry pins.
void set_pinned_error(HttpResponse& res, const config::PluginConfig& pinned, std::string_view what,
                      const std::string& request_id);

}  // namespace hookd::server
