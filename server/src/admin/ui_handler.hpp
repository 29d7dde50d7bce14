// Serves the dashboard's embedded files (ui_assets.hpp) at /ui/ on the admin
// listener only. The files hold no data, so they need no token; the page
// itself sends the admin token with every API call it makes.
//
// Every answer carries a strict Content-Security-Policy (no inline script
// or style, same-origin connections only, no framing), nosniff and
// no-referrer; files are revalidated by ETag (Cache-Control: no-cache).
#pragma once

#include <string_view>

#include "net/http_types.hpp"

namespace hookd::server {

inline constexpr std::string_view kUiContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// Whether `target` (path and query) is the dashboard's: "/ui" or "/ui/...".
bool is_ui_target(std::string_view target);

/// Answers a request for a dashboard file: GET/HEAD only (405 otherwise),
/// "/ui" redirects to "/ui/", "/ui/" is index.html, unknown files 404,
/// If-None-Match with the file's ETag 304.
void serve_ui(const HttpRequest& req, HttpResponse& res, std::string_view request_id);

}  // namespace hookd::server
