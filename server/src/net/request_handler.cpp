#include "net/request_handler.hpp"

#include <boost/json.hpp>

#include "net/error_response.hpp"
#include "net/field_scan.hpp"
#include "observability/metrics_page.hpp"

namespace hookd::server {
namespace {

bool contains_ci(std::string_view haystack, std::string_view needle) {
  if (needle.size() > haystack.size()) return false;
  for (size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    size_t j = 0;
    while (j < needle.size() && std::tolower(static_cast<unsigned char>(haystack[i + j])) == needle[j]) {
      ++j;
    }
    if (j == needle.size()) return true;
  }
  return false;
}

}  // namespace

// msgpack output goes out as JSON when the client asks for JSON, or sent
// JSON and did not ask for msgpack.
Encoding wanted_encoding(const HttpRequest& req) {
  const std::string_view accept = field_value(req, http::field::accept);
  if (contains_ci(accept, "application/msgpack")) return Encoding::kMsgpack;
  if (contains_ci(accept, "application/json")) return Encoding::kJson;
  if (contains_ci(field_value(req, http::field::content_type), "application/json")) return Encoding::kJson;
  return Encoding::kAsDeclared;
}

namespace {

void text(HttpResponse& res, http::status status, std::string_view content_type, std::string body) {
  res.result(status);
  res.set(http::field::content_type, content_type);
  res.body() = std::move(body);
}

}  // namespace

std::string plugin_list_json(const PluginRegistry& registry) {
  auto catalog = registry.snapshot();
  boost::json::array plugins;
  for (const auto& [name, entry] : catalog->plugins) {
    boost::json::array fns;
    for (const auto& f : entry->module->functions()) {
      fns.push_back({{"name", f.name},
                     {"input", engine::content_type(f.input)},
                     {"output", engine::content_type(f.output)}});
    }
    plugins.push_back({{"name", name},
                       {"abi", engine::abi_name(entry->module->abi())},
                       {"sha256", entry->module->sha256()},
                       {"functions", std::move(fns)},
                       {"signed_by", entry->signed_by.empty() ? boost::json::value(nullptr)
                                                              : boost::json::value(entry->signed_by)}});
  }
  return boost::json::serialize(boost::json::object{{"plugins", std::move(plugins)}}) + "\n";
}

void method_not_allowed(HttpResponse& res, std::string_view allow, std::string_view plugin,
                        std::string_view fn, std::string_view request_id) {
  set_error(res, http::status::method_not_allowed, {"method not allowed", plugin, fn, request_id});
  res.set(http::field::allow, allow);
}

std::optional<PluginTarget> parse_plugin_target(std::string_view target) {
  target = target.substr(0, target.find('?'));
  constexpr std::string_view kPrefix = "/plugins/";
  if (!target.starts_with(kPrefix)) return std::nullopt;
  target.remove_prefix(kPrefix.size());
  const size_t slash = target.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  PluginTarget t{target.substr(0, slash), target.substr(slash + 1)};
  if (t.plugin.empty() || t.fn.empty() || t.fn.find('/') != std::string_view::npos) return std::nullopt;
  return t;
}

std::string_view PublicRoutes::handle(std::string_view request_id, const HttpRequest& req,
                                      HttpResponse& res) const {
  const std::string_view target = req.target();
  const std::string_view path = target.substr(0, target.find('?'));
  const bool get = req.method() == http::verb::get || req.method() == http::verb::head;
  // Metrics and the plugin list name every plugin with its hash and counts:
  // they are on the admin listener, and here only when the operator asks.
  const config::ServerConfig& cfg = server_;
  const bool metrics = path == "/metrics" && cfg.public_metrics;
  const bool plugin_list = path == "/plugins" && cfg.public_plugin_list;
  if (path == "/healthz" || path == "/readyz" || metrics || plugin_list) {
    if (!get) {
      method_not_allowed(res, "GET, HEAD", {}, {}, request_id);
      return "method";
    }
  }
  if (path == "/healthz") {
    text(res, http::status::ok, "text/plain", "ok\n");
  } else if (path == "/readyz") {
    const bool draining = state_.draining.load();
    const bool ready = state_.ready.load() && !draining;
    text(res, ready ? http::status::ok : http::status::service_unavailable, "text/plain",
         draining ? "draining\n"
         : ready  ? "ready\n"
                  : "starting\n");
  } else if (metrics) {
    text(res, http::status::ok, kMetricsContentType, render_metrics_page(metrics_, registry_));
  } else if (plugin_list) {
    text(res, http::status::ok, "application/json", plugin_list_json(registry_));
  } else {
    set_error(res, http::status::not_found, {"no such route", {}, {}, request_id});
    return "not_found";
  }
  return {};
}

}  // namespace hookd::server
