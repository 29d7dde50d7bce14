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

  // The plugin manager's side, for an upload (PUT /admin/plugins/<name>,
  // PluginManager::Persist::kWrite): keeps it, on the loader thread, after
  // every worker instantiated it and before it is published (a failure
  // discards it); and forgets a kept one the manager removes.
  virtual engine::Result<void> save(const std::string& name, std::span<const uint8_t> wasm,
                                    const config::PluginSettings& settings) = 0;
  virtual engine::Result<void> forget(const std::string& name) = 0;
};

}  // namespace hookd::server
