#include "admin/admin_api.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <boost/json.hpp>
#include <map>

#include "admin/admin_replies.hpp"
#include "admin/route_list.hpp"
#include "admin/ui_handler.hpp"
#include "hookd/config/plugin_settings_json.hpp"
#include "hookd/server/build_info.hpp"
#include "hookd/util/ascii.hpp"
#include "hookd/util/hex.hpp"
#include "net/error_response.hpp"
#include "net/request_handler.hpp"
#include "observability/metrics_page.hpp"
#include "observability/plugin_latency.hpp"

namespace hookd::server {
namespace json = boost::json;

bool secrets_equal(std::string_view a, std::string_view b) {
  // Hash both so the comparison time depends on neither length nor content.
  unsigned char ha[32], hb[32];
  unsigned int n = 0;
  EVP_Digest(a.data(), a.size(), ha, &n, EVP_sha256(), nullptr);
  EVP_Digest(b.data(), b.size(), hb, &n, EVP_sha256(), nullptr);
  return CRYPTO_memcmp(ha, hb, sizeof ha) == 0;
}

bool AdminApi::authorized(const HttpRequest& req) const {
  std::string_view auth = req[http::field::authorization];
  // The scheme is case-insensitive (RFC 9110, 11.1), followed by one or more
  // spaces.
  constexpr std::string_view kBearer = "bearer";
  if (auth.size() <= kBearer.size() || !util::iequals(auth.substr(0, kBearer.size()), kBearer) ||
      auth[kBearer.size()] != ' ') {
    return false;
  }
  auth.remove_prefix(kBearer.size());
  while (!auth.empty() && auth.front() == ' ') auth.remove_prefix(1);
  return secrets_equal(auth, token_);
}

void AdminApi::unauthorized(HttpResponse& res, const std::string& request_id) {
  set_error(res, http::status::unauthorized, {"missing or wrong admin token", {}, {}, request_id});
  res.set(http::field::www_authenticate, "Bearer realm=\"hookd-admin\"");
}

void AdminApi::handle(HttpRequest& req, HttpResponse& res, const std::string& request_id, Done done,
                      const std::string& client) {
  // Every route but a PUT and a rollback answers at once.
  if (!route(req, res, request_id, done, client)) done();
}

bool AdminApi::route(HttpRequest& req, HttpResponse& res, const std::string& request_id, Done& done,
                     const std::string& client) {
  if (is_ui_target(req.target())) {
    serve_ui(req, res, request_id);  // static files, no data: no token needed
    return false;
  }
  if (!authorized(req)) {
    unauthorized(res, request_id);
    return false;
  }
  std::string_view path = req.target();
  path = path.substr(0, path.find('?'));
  if (path == "/metrics" || path == "/plugins") {
    if (req.method() != http::verb::get) {
      set_error(res, http::status::method_not_allowed, {"method not allowed", {}, {}, request_id});
      res.set(http::field::allow, "GET");
      return false;
    }
    res.result(http::status::ok);
    if (path == "/metrics") {
      res.set(http::field::content_type, kMetricsContentType);
      res.body() = render_metrics_page(parts_.metrics, parts_.registry);
    } else {
      res.set(http::field::content_type, "application/json");
      res.body() = plugin_list_json(parts_.registry);
    }
    return false;
  }
  if (path == "/admin/version") {
    if (req.method() != http::verb::get) {
      set_error(res, http::status::method_not_allowed, {"method not allowed", {}, {}, request_id});
      res.set(http::field::allow, "GET");
      return false;
    }
    const BuildInfo info = build_info();
    boost::json::object o;
    o["version"] = info.version;
    o["commit"] = info.commit;
    res.result(http::status::ok);
    res.set(http::field::content_type, "application/json");
    res.body() = boost::json::serialize(o);
    res.body() += '\n';
    return false;
  }
  if (path == "/admin/routes") {
    if (req.method() != http::verb::get) {
      set_error(res, http::status::method_not_allowed, {"method not allowed", {}, {}, request_id});
      res.set(http::field::allow, "GET");
      return false;
    }
    const auto catalog = parts_.registry.snapshot();
    res.result(http::status::ok);
    res.set(http::field::content_type, "application/json");
    res.body() = json::serialize(json::object{{"routes", routes_json(*catalog->routes)}}) + "\n";
    return false;
  }
  if (path == "/admin/cluster") {
    if (req.method() != http::verb::get) {
      set_error(res, http::status::method_not_allowed, {"method not allowed", {}, {}, request_id});
      res.set(http::field::allow, "GET");
      return false;
    }
    cluster(res, request_id);
    return false;
  }
  switch (parts_.dashboard.route(path, req, res, request_id, done)) {
    case DashboardApi::Handled::kNow:
      return false;
    case DashboardApi::Handled::kLater:
      return true;
    case DashboardApi::Handled::kNo:
      break;
  }
  constexpr std::string_view kPlugins = "/admin/plugins";
  if (path == kPlugins || path == "/admin/plugins/") {
    if (req.method() != http::verb::get) {
      set_error(res, http::status::method_not_allowed, {"method not allowed", {}, {}, request_id});
      res.set(http::field::allow, "GET");
      return false;
    }
    list(res);
    return false;
  }
  if (path.starts_with("/admin/plugins/")) {
    // /admin/plugins/<name>, or /admin/plugins/<name>/<what> (version_api.hpp).
    const std::string_view rest = path.substr(kPlugins.size() + 1);
    size_t slash = rest.find('/');
    if (slash != std::string_view::npos && !VersionApi::is_route(rest.substr(slash + 1)) &&
        !ReleaseApi::is_route(rest.substr(slash + 1))) {
      slash = std::string_view::npos;  // the whole rest is the (invalid) name
    }
    const std::string name(rest.substr(0, slash));
    if (!valid_plugin_name(name)) {
      set_error(res, http::status::bad_request,
                {"invalid plugin name (1-64 characters of A-Z a-z 0-9 _ -)", {}, {}, request_id});
      return false;
    }
    if (slash != std::string_view::npos && ReleaseApi::is_route(rest.substr(slash + 1)))
      return releases_.route(name, rest.substr(slash + 1), req, res, request_id, done);
    if (slash != std::string_view::npos)
      return versions_.route(name, rest.substr(slash + 1), req, res, request_id, done);
    switch (req.method()) {
      case http::verb::get:
        show(name, res, request_id);
        return false;
      case http::verb::put:
        put(name, req, res, request_id, std::move(done), client);
        return true;
      case http::verb::delete_:
        remove(name, res, request_id);
        return false;
      default:
        set_error(res, http::status::method_not_allowed, {"method not allowed", name, {}, request_id});
        res.set(http::field::allow, "GET, PUT, DELETE");
        return false;
    }
  }
  set_error(res, http::status::not_found, {"no such admin route", {}, {}, request_id});
  return false;
}

namespace {
// `routes`: the table of a catalog with `e` in it (its routes are listed).
json::object describe(const PluginEntry& e, const std::vector<uint64_t>& memory,
                      const routing::RouteTable& routes) {
  json::array fns;
  for (const auto& f : e.module->functions()) {
    fns.push_back({{"name", f.name},
                   {"input", engine::content_type(f.input)},
                   {"output", engine::content_type(f.output)}});
  }
  json::array mem;
  for (uint64_t m : memory) mem.push_back(m);
  json::value settings = json::parse(config::plugin_settings_to_json(e.settings));
  return {{"name", e.name},
          {"abi", engine::abi_name(e.module->abi())},
          {"sha256", e.module->sha256()},
          {"size", e.module->size_bytes()},
          {"functions", std::move(fns)},
          {"memory_per_worker", std::move(mem)},
          {"loaded_at", rfc3339(e.loaded_at)},
          {"version", e.version},
          {"upload_version", e.upload_version == 0 ? json::value(nullptr) : json::value(e.upload_version)},
          {"revision", e.revision},
          {"persisted", e.persisted},
          {"calls", e.counters->calls.load()},
          {"errors", e.counters->errors.load()},
          {"settings", std::move(settings)},
          {"routes", routes_json(routes, e.name)},
          {"signed_by", e.signed_by.empty() ? json::value(nullptr) : json::value(e.signed_by)}};
}
}  // namespace

namespace {
// Calls, errors and latency quantiles of the time series' whole window, per
// plugin (all its functions), in one pass over the rings.
std::map<std::string, SecondRing::Second, std::less<>> recent_by_plugin(const Metrics& metrics) {
  std::map<std::string, SecondRing::Second, std::less<>> out;
  for (const auto& [key, total] : pair_totals(metrics, unix_second_now(), SecondRing::kSlots)) {
    SecondRing::Second& sum = out[key.first];
    sum.errors += total.errors;
    for (size_t i = 0; i < kSeriesBuckets; ++i) sum.buckets[i] += total.buckets[i];
  }
  return out;
}

json::object recent(const Metrics& metrics, std::string_view name) {
  return window_summary(plugin_window(metrics, name, {}, unix_second_now(), SecondRing::kSlots));
}
}  // namespace

void AdminApi::list(HttpResponse& res) {
  auto catalog = parts_.registry.snapshot();
  const auto recent = recent_by_plugin(parts_.metrics);
  json::array out;
  for (const auto& [name, entry] : catalog->plugins) {
    json::object o = describe(*entry, parts_.manager.memory_per_worker(name), *catalog->routes);
    auto it = recent.find(name);
    o["recent"] = total_summary(it != recent.end() ? it->second : SecondRing::Second{}, SecondRing::kSlots);
    out.push_back(std::move(o));
  }
  send_json(res, http::status::ok, json::object{{"plugins", std::move(out)}});
}

void AdminApi::show(const std::string& name, HttpResponse& res, const std::string& request_id) {
  auto catalog = parts_.registry.snapshot();
  const PluginEntry* e = catalog->find(name);
  if (e == nullptr) return set_error(res, http::status::not_found, {"unknown plugin", name, {}, request_id});
  json::object o = describe(*e, parts_.manager.memory_per_worker(name), *catalog->routes);
  o["recent"] = recent(parts_.metrics, name);
  send_json(res, http::status::ok, o);
}

void AdminApi::put(const std::string& name, HttpRequest& req, HttpResponse& res,
                   const std::string& request_id, Done done, const std::string& client) {
  if (const config::PluginConfig* pinned = config_plugin(parts_.pinned, name)) {
    set_pinned_error(res, *pinned, "an upload cannot replace it", request_id);
    return done();
  }
  config::PluginSettings settings;
  if (std::string_view s = req["X-Hookd-Settings"]; !s.empty()) {
    auto parsed = config::parse_plugin_settings_json(s, name);
    if (!parsed) {
      set_error(res, http::status::bad_request,
                {"invalid X-Hookd-Settings: " + config::to_string(parsed.error()), name, {}, request_id});
      return done();
    }
    settings = std::move(*parsed);
  }
  if (std::string_view sha = req["X-Hookd-Sha256"]; !sha.empty()) {
    std::string lower = util::to_lower(sha);
    if (!util::is_lower_hex(lower, 64)) {
      set_error(res, http::status::bad_request,
                {"X-Hookd-Sha256 must be 64 hexadecimal digits", name, {}, request_id});
      return done();
    }
    settings.sha256 = std::move(lower);
  }
  // Checked with the module in PluginManager::install; the header wins over the settings.
  if (std::string_view signature = req["X-Hookd-Signature"]; !signature.empty()) {
    settings.signature = std::string(signature);
  }
  // The load runs on the manager's loader thread; the admin thread goes on
  // serving other requests meanwhile.
  const std::string& body = req.body();
  // X-Hookd-Stage: true keeps the upload as a version that does not serve,
  // for a canary release (docs/releases.md).
  const std::string_view stage = req["X-Hookd-Stage"];
  if (!stage.empty() && stage != "true" && stage != "false") {
    set_error(res, http::status::bad_request, {"X-Hookd-Stage must be true or false", name, {}, request_id});
    return done();
  }
  PluginManager::Persist persist{
      stage == "true" ? PluginManager::Persist::kStage : PluginManager::Persist::kWrite, &parts_.catalog};
  persist.created_by = client;
  parts_.manager.install_async(name, {reinterpret_cast<const uint8_t*>(body.data()), body.size()},
                               std::move(settings), std::move(persist),
                               [this, &res, name, request_id,
                                done = std::move(done)](engine::Result<PluginManager::Installed> installed) {
                                 if (!installed) {
                                   set_error(res, status_for_load_error(installed.error()),
                                             {installed.error().describe(), name, {}, request_id});
                                 } else if (installed->staged) {
                                   const PluginEntry& e = *installed->entry;
                                   send_json(res, http::status::created,
                                             json::object{{"name", name},
                                                          {"upload_version", e.upload_version},
                                                          {"staged", true},
                                                          {"serving", installed->serving},
                                                          {"sha256", e.module->sha256()},
                                                          {"abi", engine::abi_name(e.module->abi())}});
                                 } else {
                                   send_json(
                                       res, installed->replaced ? http::status::ok : http::status::created,
                                       describe(*installed->entry, {}, *parts_.registry.snapshot()->routes));
                                 }
                                 done();
                               });
}

void AdminApi::remove(const std::string& name, HttpResponse& res, const std::string& request_id) {
  auto removed = parts_.catalog.remove(name);
  if (!removed) {
    // 503: not applied; 504: the catalog's store did not answer, outcome
    // unknown (cluster_catalog.hpp); any other failure is ours.
    const int status = removed.error().status;
    return set_error(res,
                     status == 504   ? http::status::gateway_timeout
                     : status == 503 ? http::status::service_unavailable
                                     : http::status::internal_server_error,
                     {removed.error().describe(), name, {}, request_id});
  }
  if (!*removed) return set_error(res, http::status::not_found, {"unknown plugin", name, {}, request_id});
  res.result(http::status::no_content);
}

void AdminApi::cluster(HttpResponse& res, const std::string& request_id) {
  auto nodes = parts_.catalog.nodes_json();
  if (!nodes) {
    return set_error(res, http::status::not_found,
                     {"cluster mode is off ([cluster] enabled)", {}, {}, request_id});
  }
  if (!*nodes) {
    return set_error(res, http::status::service_unavailable, {nodes->error().describe(), {}, {}, request_id});
  }
  res.result(http::status::ok);
  res.set(http::field::content_type, "application/json");
  res.body() = std::move(**nodes);
}

}  // namespace hookd::server
