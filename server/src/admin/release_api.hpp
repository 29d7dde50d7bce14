// The admin API's routes for canary releases (docs/releases.md,
// releases/release_controller.hpp):
//   POST /admin/plugins/<name>/releases           start one: {"version": n, "steps": [...], ...}
//                                                 (release_policy.hpp); 201 once the canary serves
//   GET  /admin/plugins/<name>/releases           the running (or last) release: its step, each
//                                                 version's calls/s, error rate and p99 side by
//                                                 side, and its decisions with their reasons
//   POST /admin/plugins/<name>/releases/pause     the steps wait (a breach still rolls back)
//   POST /admin/plugins/<name>/releases/resume
//   POST /admin/plugins/<name>/releases/promote   the canary becomes stable now (202)
//   POST /admin/plugins/<name>/releases/abort     the canary's calls go to stable now
#pragma once

#include <string>
#include <string_view>

#include "admin/version_api.hpp"
#include "net/http_types.hpp"
#include "plugins/plugin_registry.hpp"
#include "releases/release_controller.hpp"

namespace hookd::server {

class ReleaseApi {
 public:
  ReleaseApi(ReleaseController& releases, VersionApi& versions, const PluginRegistry& registry)
      : releases_(releases), versions_(versions), registry_(registry) {}

  // Whether `what` (the path after /admin/plugins/<name>/) is one of these routes.
  static bool is_route(std::string_view what);

  using Done = std::function<void()>;
  // Returns true when it passed `done` on (a start answers once the canary serves).
  bool route(const std::string& name, std::string_view what, HttpRequest& req, HttpResponse& res,
             const std::string& request_id, Done& done);

 private:
  bool begin(const std::string& name, const HttpRequest& req, HttpResponse& res,
             const std::string& request_id, Done& done);

  ReleaseController& releases_;
  VersionApi& versions_;
  const PluginRegistry& registry_;
};

}  // namespace hookd::server
