// The admin API, on its own listener and thread:
//   GET    /admin/plugins          list with sha256, size, functions, memory, calls, errors
//   GET    /admin/plugins/<name>
//   PUT    /admin/plugins/<name>   body = wasm; X-Hookd-Sha256, X-Hookd-Settings (JSON),
//                                  X-Hookd-Signature (docs/security/signing.md)
//   DELETE /admin/plugins/<name>
//   GET    /admin/plugins/<name>/versions, .../versions/<n>/module,
//   POST   /admin/plugins/<name>/rollback   its kept versions (version_api.hpp)
//   GET, POST /admin/plugins/<name>/releases[/pause|resume|promote|abort]
//                                  canary releases (release_api.hpp)
//   GET    /metrics                Prometheus exposition
//   GET    /plugins                the public plugin list (names, sha256, functions)
//   /admin/timeseries, /admin/logs, /admin/call/...   the dashboard's (dashboard_api.hpp)
//   GET    /ui/...                 the dashboard's files, without a token (ui_handler.hpp)
//   GET    /admin/cluster          cluster mode: the live nodes from their heartbeats
// Uploads are kept, and deleted, through the gateway's PluginCatalog: in the
// data directory, or in cluster mode in the cluster catalog in Redis, where
// a PUT or DELETE is acknowledged once Redis has it (cluster/cluster_node.hpp;
// 503 when Redis is unreachable).
// Every request needs `Authorization: Bearer <token>` (compared in constant
// time); AdminSession checks it as soon as the header is in, before any body.
#pragma once

#include <functional>
#include <string>

#include "admin/dashboard_api.hpp"
#include "admin/release_api.hpp"
#include "admin/version_api.hpp"
#include "net/http_types.hpp"
#include "observability/metrics.hpp"
#include "plugins/plugin_catalog.hpp"
#include "plugins/plugin_manager.hpp"
#include "plugins/plugin_registry.hpp"

namespace hookd::server {

class AdminApi {
 public:
  // `pinned`: the config file's plugins, which an upload cannot replace.
  struct Parts {
    PluginManager& manager;
    PluginCatalog& catalog;
    DashboardApi& dashboard;
    const PluginRegistry& registry;
    const Metrics& metrics;
    const std::vector<config::PluginConfig>& pinned;
    ReleaseController& releases;
  };
  AdminApi(Parts parts, std::string token)
      : parts_(parts),
        versions_({parts.manager, parts.catalog, parts.registry, parts.pinned}),
        releases_(parts.releases, versions_, parts.registry),
        token_(std::move(token)) {}

  // Answers `req` into `res`, then calls `done`: at once for most routes,
  // from the plugin manager's loader thread when a PUT's load finishes.
  // `req` and `res` must stay alive until then. `client`: the admin
  // client's address, recorded as who made an upload's version.
  using Done = std::function<void()>;
  void handle(HttpRequest& req, HttpResponse& res, const std::string& request_id, Done done,
              const std::string& client = {});
  // Whether the request carries the admin token (its header is enough).
  [[nodiscard]] bool authorized(const HttpRequest& req) const;
  // The 401 for a request that does not.
  static void unauthorized(HttpResponse& res, const std::string& request_id);

 private:
  // Returns true when it passed `done` on (a PUT's load answers later).
  bool route(HttpRequest& req, HttpResponse& res, const std::string& request_id, Done& done,
             const std::string& client);
  void list(HttpResponse& res);
  void show(const std::string& name, HttpResponse& res, const std::string& request_id);
  void put(const std::string& name, HttpRequest& req, HttpResponse& res, const std::string& request_id,
           Done done, const std::string& client);
  void remove(const std::string& name, HttpResponse& res, const std::string& request_id);
  void cluster(HttpResponse& res, const std::string& request_id);

  Parts parts_;
  VersionApi versions_;
  ReleaseApi releases_;
  std::string token_;
};

// Constant-time comparison of two secrets of any length.
bool secrets_equal(std::string_view a, std::string_view b);

}  // namespace hookd::server
