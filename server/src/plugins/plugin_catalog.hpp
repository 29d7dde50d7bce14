// Where uploaded plugins are kept, so that a restart (or every node of a
// cluster) serves them: the one seam between a single gateway and a
// cluster, chosen by the gateway's composition (gateway.cpp):
//   - LocalCatalog (local_catalog.hpp): the data directory (PluginStore);
//   - ClusterNode (cluster/cluster_node.hpp): the cluster catalog in Redis,
//     followed by every node.
// The gateway and the admin API use only this interface; neither asks which
// one it has.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "hookd/config/config.hpp"
#include "hookd/engine/result.hpp"
#include "hookd/server/error.hpp"
#include "plugins/plugin_store.hpp"
#include "plugins/plugin_version.hpp"

namespace hookd::server {

class PluginCatalog {
 public:
  virtual ~PluginCatalog() = default;

  // Start-up, on the admin thread, after the config file's plugins: loads
  // the uploads kept on this node (pinned names are skipped and logged);
  // returns how many loaded. A cluster node keeps none locally (join()).
  virtual size_t load_kept() = 0;
  // Where uploads are kept, for the start-up log ("stored in <dir>").
  [[nodiscard]] virtual std::string describe() const = 0;
  // Before any listener opens: a cluster node loads the whole catalog
  // (a proxy without active health checks would otherwise send it requests
  // it cannot serve).
  virtual ServerResult<void> join() = 0;
  // Serving on `public_port`: a cluster node starts following the catalog.
  virtual void start(uint16_t public_port) = 0;
  // Draining: a cluster node tells the others it is leaving.
  virtual void set_leaving() = 0;
  // After the plugin manager stopped.
  virtual void stop() = 0;

  // DELETE /admin/plugins/<name>: false when there was no such plugin. An
  // error's status is 503 (not applied) or 504 (outcome unknown) when the
  // catalog's store did not answer, 0 otherwise.
  virtual engine::Result<bool> remove(const std::string& name) = 0;
  // GET /admin/cluster: the live nodes; nullopt when this is no cluster.
  virtual std::optional<engine::Result<std::string>> nodes_json() = 0;

  // An upload's versions (plugin_version.hpp, docs/releases.md), for the
  // admin API. Errors carry an HTTP status: 503 when the catalog's store is
  // away (Redis, for a cluster node), 500 when it failed.
  // The history of upload `name`; nullopt when it has none.
  virtual engine::Result<std::optional<VersionHistory>> versions(const std::string& name) = 0;
  // Kept version `number` of `name`; nullopt when it is not (or no longer) kept.
  virtual engine::Result<std::optional<StoredPlugin>> version(const std::string& name, uint64_t number) = 0;

  // The plugin manager's side, on the loader thread, after every worker
  // instantiated the plugin and before it is published (a failure
  // discards it), with the registry's writes held:
  // - an upload (PUT /admin/plugins/<name>, PluginManager::Persist::kWrite):
  //   keeps it as a new version (`info`: all but its number) that serves;
  //   returns its number (0: this catalog keeps no versions);
  // - a rollback (Persist::kRollback): kept version `number` serves again,
  //   its module and settings `wasm` and `settings`; an error of status 404
  //   when it is no longer kept;
  // - forget(): a kept one the manager removes, with its versions.
  virtual engine::Result<uint64_t> save(const std::string& name, std::span<const uint8_t> wasm,
                                        const config::PluginSettings& settings, const VersionInfo& info) = 0;
  virtual engine::Result<void> serve(const std::string& name, uint64_t number, std::span<const uint8_t> wasm,
                                     const config::PluginSettings& settings) = 0;
  virtual engine::Result<void> forget(const std::string& name) = 0;
  // - a staged upload (Persist::kStage, docs/releases.md): keeps it as a
  //   new version of `name` (which has versions) that does not serve, for a
  //   canary release; returns its number. Without the registry's publish.
  //   A catalog that cannot stage answers status 501.
  virtual engine::Result<uint64_t> stage(const std::string& name, std::span<const uint8_t> wasm,
                                         const config::PluginSettings& settings, const VersionInfo& info) {
    (void)name, (void)wasm, (void)settings, (void)info;
    return engine::fail(engine::ErrorKind::kInternal, "staged uploads are not available in cluster mode",
                        501);
  }
};

}  // namespace hookd::server
