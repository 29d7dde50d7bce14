#include "request_handler.hpp"

#include <boost/json.hpp>

#include "error_response.hpp"
#include "response_budget.hpp"

namespace hookd::server {
namespace {

bool contains_ci(std::string_view haystack, std::string_view needle) {
  if (needle.size() > haystack.size()) return false;
  for (size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    size_t j = 0;
    while (j < needle.size() &&
           std::tolower(static_cast<unsigned char>(haystack[i + j])) == needle[j]) {
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
  const std::string_view accept = req[http::field::accept];
  if (contains_ci(accept, "application/msgpack")) return Encoding::kMsgpack;
  if (contains_ci(accept, "application/json")) return Encoding::kJson;
  if (contains_ci(req[http::field::content_type], "application/json")) return Encoding::kJson;
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

namespace {

void method_not_allowed(RequestContext& rc, HttpResponse& res, std::string_view allow) {
  set_error(res, http::status::method_not_allowed, {"method not allowed", rc.plugin, rc.fn, rc.request_id});
  res.set(http::field::allow, allow);
  rc.error_kind = "method";
}

void plugin_route(RequestContext& rc, HttpRequest& req, HttpResponse& res, PluginTarget t) {
  rc.plugin = t.plugin;
  rc.fn = t.fn;
  BoundPlugin* bp = rc.worker.resolve(t.plugin);
  if (bp == nullptr) {
    rc.plugin = {};  // unknown names must not become metric labels
    rc.fn = {};
    rc.error_kind = "not_found";
    set_error(res, http::status::not_found, {"unknown plugin", t.plugin, t.fn, rc.request_id});
    return;
  }
  rc.plugin = bp->entry->name;
  const engine::FunctionInfo* fn = bp->entry->module->find_function(t.fn);
  if (fn == nullptr) {
    rc.fn = {};
    rc.error_kind = "not_found";
    set_error(res, http::status::not_found, {"unknown function", rc.plugin, t.fn, rc.request_id});
    return;
  }
  rc.fn = fn->name;
  const size_t index = static_cast<size_t>(fn - bp->entry->module->functions().data());
  if (bp->fn_stats.size() <= index) bp->fn_stats.resize(bp->entry->module->functions().size(), nullptr);
  if (bp->fn_stats[index] == nullptr) bp->fn_stats[index] = rc.metrics.fn(rc.plugin, rc.fn);
  rc.stats = bp->fn_stats[index];
  if (req.method() != http::verb::post) return method_not_allowed(rc, res, "POST");
  if (response_budget_spent(rc.server)) {
    // Slow readers hold the response budget: no new output until they drain.
    rc.error_kind = "overload";
    set_error(
        res, http::status::service_unavailable,
        {"too many response bytes waiting for slow clients; retry later", rc.plugin, rc.fn, rc.request_id});
    res.set(http::field::retry_after, "1");
    return;
  }
  if (bp->entry->blocking && rc.server.blocking != nullptr) {
    rc.deferred = {true, wanted_encoding(req)};
    return;
  }

  CallOutcome out;
  out.body = std::move(res.body());  // reuses the session's buffer (see HttpSession::handle)
  call_plugin(rc, *bp, *fn, req.body(), req[http::field::content_type], wanted_encoding(req), out);
  if (out.parked) {
    res.body() = std::move(out.body);
    rc.deferred.parked = true;
    return;
  }
  res.result(out.status);
  res.set(http::field::content_type, out.content_type);
  if (out.retry_after) res.set(http::field::retry_after, "1");
  res.body() = std::move(out.body);
  rc.error_kind = out.error_kind;
}

}  // namespace

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

void handle_request(RequestContext& rc, HttpRequest& req, HttpResponse& res) {
  const std::string_view target = req.target();
  if (auto t = parse_plugin_target(target)) return plugin_route(rc, req, res, *t);

  const std::string_view path = target.substr(0, target.find('?'));
  const bool get = req.method() == http::verb::get || req.method() == http::verb::head;
  // Metrics and the plugin list name every plugin with its hash and counts:
  // they are on the admin listener, and here only when the operator asks.
  const config::ServerConfig& cfg = rc.server.config.server;
  const bool metrics = path == "/metrics" && cfg.public_metrics;
  const bool plugin_list = path == "/plugins" && cfg.public_plugin_list;
  if (path == "/healthz" || path == "/readyz" || metrics || plugin_list) {
    if (!get) return method_not_allowed(rc, res, "GET, HEAD");
  }
  if (path == "/healthz") return text(res, http::status::ok, "text/plain", "ok\n");
  if (path == "/readyz") {
    const bool draining = rc.server.draining.load();
    const bool ready = rc.server.ready.load() && !draining;
    return text(res, ready ? http::status::ok : http::status::service_unavailable, "text/plain",
                draining ? "draining\n" : ready ? "ready\n" : "starting\n");
  }
  if (metrics) return text(res, http::status::ok, kMetricsContentType, rc.server.metrics->render());
  if (plugin_list)
    return text(res, http::status::ok, "application/json", plugin_list_json(rc.server.registry));
  rc.error_kind = "not_found";
  set_error(res, http::status::not_found, {"no such route", {}, {}, rc.request_id});
}

}  // namespace hookd::server
