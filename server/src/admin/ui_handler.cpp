#include "admin/ui_handler.hpp"

#include <algorithm>

#include "admin/ui_assets.hpp"
#include "net/error_response.hpp"
#include "observability/log_escape.hpp"

namespace hookd::server {
namespace {

void security_headers(HttpResponse& res) {
  res.set("Content-Security-Policy", kUiContentSecurityPolicy);
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Referrer-Policy", "no-referrer");
  res.set("X-Frame-Options", "DENY");
  res.set("Cross-Origin-Resource-Policy", "same-origin");
}

const UiAsset* find_asset(std::string_view rel) {
  auto assets = ui_assets();
  auto it = std::lower_bound(assets.begin(), assets.end(), rel,
                             [](const UiAsset& a, std::string_view p) { return a.path < p; });
  return it != assets.end() && it->path == rel ? &*it : nullptr;
}

// Whether an If-None-Match list names `etag` (or is "*").
bool matches(std::string_view if_none_match, std::string_view etag) {
  while (!if_none_match.empty()) {
    const size_t comma = if_none_match.find(',');
    std::string_view tag = if_none_match.substr(0, comma);
    while (!tag.empty() && tag.front() == ' ') tag.remove_prefix(1);
    while (!tag.empty() && tag.back() == ' ') tag.remove_suffix(1);
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    if (tag == etag || tag == "*") return true;
    if (comma == std::string_view::npos) break;
    if_none_match.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

bool is_ui_target(std::string_view target) {
  const std::string_view path = without_query(target);
  return path == "/ui" || path.starts_with("/ui/");
}

void serve_ui(const HttpRequest& req, HttpResponse& res, std::string_view request_id) {
  security_headers(res);
  if (req.method() != http::verb::get && req.method() != http::verb::head) {
    set_error(res, http::status::method_not_allowed, {"method not allowed", {}, {}, request_id});
    res.set(http::field::allow, "GET, HEAD");
    return;
  }
  const std::string_view path = without_query(req.target());
  if (path == "/ui") {
    res.result(http::status::moved_permanently);
    res.set(http::field::location, "/ui/");
    return;
  }
  std::string_view rel = path.substr(4);  // after "/ui/"
  if (rel.empty()) rel = "index.html";
  const UiAsset* asset = find_asset(rel);
  if (asset == nullptr) {
    set_error(res, http::status::not_found, {"no such dashboard file", {}, {}, request_id});
    return;
  }
  res.set(http::field::etag, asset->etag);
  res.set(http::field::cache_control, "no-cache");
  if (matches(req[http::field::if_none_match], asset->etag)) {
    res.result(http::status::not_modified);
    return;
  }
  res.result(http::status::ok);
  res.set(http::field::content_type, asset->content_type);
  res.body().assign(asset->bytes.data(), asset->bytes.size());
}

}  // namespace hookd::server
