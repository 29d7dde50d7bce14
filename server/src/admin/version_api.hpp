// The admin API's routes for an upload's versions (docs/releases.md):
//   GET  /admin/plugins/<name>/versions             the kept versions, which one serves
//   GET  /admin/plugins/<name>/versions/<n>/module  version n's module (application/wasm)
//   POST /admin/plugins/<name>/rollback             body {"version": n}: kept version n serves
//                                                   again, published as an upload is
// A rollback changes which version serves; it makes no new number. A config
// file plugin is pinned (409), as for an upload. In cluster mode the
// versions are the cluster catalog's (503 while Redis is away).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/http_types.hpp"
#include "plugins/plugin_catalog.hpp"
#include "plugins/plugin_manager.hpp"
#include "plugins/plugin_registry.hpp"

namespace hookd::server {

class VersionApi {
 public:
  struct Parts {
    PluginManager& manager;
    PluginCatalog& catalog;
    const PluginRegistry& registry;
    const std::vector<config::PluginConfig>& pinned;
  };
  explicit VersionApi(Parts parts) : parts_(parts) {}

  // Whether `what` (the path after /admin/plugins/<name>/) is one of these routes.
  static bool is_route(std::string_view what);

  using Done = std::function<void()>;
  // `what`: the path after /admin/plugins/<name>/ (`name` is valid).
  // Returns true when it passed `done` on (a rollback answers once loaded).
  bool route(const std::string& name, std::string_view what, HttpRequest& req, HttpResponse& res,
             const std::string& request_id, Done& done);

  // The history of `name`, or nullopt with the error answered into `res`
  // (pinned 409, unknown plugin 404, the catalog's store away 503).
  // `change`: what a pinned plugin refuses ("a rollback cannot replace it").
  std::optional<VersionHistory> history(const std::string& name, std::string_view change, HttpResponse& res,
                                        const std::string& request_id);
  // Kept version `number` of `name` (in `h`), or nullopt with the 404 or the
  // catalog's error answered into `res`.
  std::optional<StoredPlugin> kept_version(const std::string& name, uint64_t number, const VersionHistory& h,
                                           HttpResponse& res, const std::string& request_id);

 private:
  void list(const std::string& name, HttpResponse& res, const std::string& request_id);
  void module(const std::string& name, std::string_view number, HttpResponse& res,
              const std::string& request_id);
  // Returns true when it passed `done` on.
  bool rollback(const std::string& name, const HttpRequest& req, HttpResponse& res,
                const std::string& request_id, Done& done);
  Parts parts_;
};

// A version number in a path or body: 1 to 2^63, digits only.
std::optional<uint64_t> parse_version_number(std::string_view text);

}  // namespace hookd::server
