// One node of a hookd cluster (docs/cluster.md): keeps the local plugin
// catalog in step with the cluster catalog in Redis, and tells the others it
// is alive.
//
// It is the cluster's PluginCatalog (plugins/plugin_catalog.hpp):
// - Admin writes: an upload is saved to the catalog as the plugin's next
//   version (save(), from the plugin manager: after every worker
//   instantiated it, before it is published), a rollback likewise (serve()),
//   a delete is written to the catalog before the local removal.
//   Both are acknowledged only once Redis has acknowledged them.
// - The follower thread reads the change log from the last entry it applied
//   (blocking XREAD, bounded by the command timeout, own connection), fetches
//   each new module by its hash, checks it and applies it through the
//   PluginManager (compile once, instantiate everywhere, publish). A gap in
//   the catalog versions (entries trimmed away while it was behind) makes it
//   resync from the manifests. A version it cannot load keeps the previous
//   one serving and is reported as its last error. When Redis is away it
//   retries with backoff; loaded plugins keep serving meanwhile.
// - The heartbeat thread writes the node's status with an expiry
//   (cluster.node_ttl_ms) every cluster.heartbeat_ms.
// stop() ends both threads within about one Redis command timeout.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "cluster/cluster_catalog.hpp"
#include "cluster/redis_links.hpp"
#include "hookd/config/config.hpp"
#include "hookd/util/clock.hpp"
#include "hookd/util/random.hpp"
#include "plugins/plugin_catalog.hpp"
#include "plugins/plugin_manager.hpp"
#include "plugins/plugin_registry.hpp"

namespace hookd::server {

class ClusterNode final : public PluginCatalog {
 public:
  // What a node needs of the configuration: its cluster section, the public
  // port (for a default node id), the config file's plugins (pinned on this
  // node) and the module limit.
  struct Settings {
    const config::ClusterConfig& cluster;
    uint16_t listen_port = 0;
    const std::vector<config::PluginConfig>& pinned;
    uint64_t max_module_bytes = 0;
    uint32_t keep_versions = 5;  // of each plugin in the catalog (server.keep_versions)
  };
  // `redis`: the node's connections; `registry`: what serves now
  // (heartbeats, and a version already serving is not loaded again);
  // `manager` loads and removes what the catalog says; `clock` gives the
  // wall times in heartbeats and errors; `entropy` a default node id's
  // suffix. Each reference must outlive the node. (The start-up retries
  // wait on real time: they sleep.)
  ClusterNode(Settings settings, std::unique_ptr<cluster::RedisLinks> redis, const PluginRegistry& registry,
              PluginManager& manager, const util::Clock& clock, util::RandomSource& entropy);
  ~ClusterNode() override;  // stop()

  [[nodiscard]] const std::string& node_id() const { return node_id_; }
  // Start-up: loads the whole catalog, retrying while Redis is away for up
  // to cluster.sync_timeout_ms. Plugins that fail to load are reported and
  // skipped (the node serves the others); only an unreachable Redis fails.
  engine::Result<void> initial_sync();

  // PluginCatalog. Uploads are kept in the catalog only.
  size_t load_kept() override { return 0; }
  [[nodiscard]] std::string describe() const override {
    return "kept on this node (in cluster mode uploads come from the cluster catalog, loaded next)";
  }
  // initial_sync().
  ServerResult<void> join() override;
  // Starts the follower and heartbeat threads. `public_port` fills in the
  // default advertised address.
  void start(uint16_t public_port) override;
  // The node is leaving (drain): its heartbeat says so from now on.
  void set_leaving() override;
  void stop() override;
  // Removes `name` from the catalog (every node then removes it), then
  // here; false when neither had it.
  engine::Result<bool> remove(const std::string& name) override;
  // GET /admin/cluster: {"nodes": [...]} of the live nodes' heartbeats.
  std::optional<engine::Result<std::string>> nodes_json() override;
  // A plugin's versions live in the cluster catalog (history:<name>), so
  // every node lists the same ones; an upload adds one and a rollback
  // (serve) writes the kept version's manifest, which every node follows as
  // it follows an upload. Read errors: 503 when Redis is away.
  engine::Result<std::optional<VersionHistory>> versions(const std::string& name) override;
  engine::Result<std::optional<StoredPlugin>> version(const std::string& name, uint64_t number) override;
  engine::Result<uint64_t> save(const std::string& name, std::span<const uint8_t> wasm,
                                const config::PluginSettings& settings, const VersionInfo& info) override;
  engine::Result<void> serve(const std::string& name, uint64_t number, std::span<const uint8_t> wasm,
                             const config::PluginSettings& settings) override;
  // A removal comes from the catalog (remove(), or a change followed): nothing to forget.
  engine::Result<void> forget(const std::string&) override { return {}; }

 private:
  void follow();
  void beat();
  engine::Result<void> resync();
  // Both fail only when Redis is away (the change is retried); a version
  // that cannot be loaded is recorded as the last error and skipped.
  engine::Result<void> apply(const cluster::Change& change);
  // Installs a manifest unless the same module and settings already serve.
  engine::Result<void> install(const cluster::Manifest& manifest);
  // The last error, with when it happened; `plugin` names the plugin it is
  // about (empty: Redis itself). clear_error(plugin) forgets it once that
  // cause is gone: Redis answered again, or that plugin loaded or left.
  void record_error(std::string error, std::string plugin = {});
  void clear_error(std::string_view plugin);
  std::string status_json();
  // Waits up to `d`; false when stopping.
  bool pause(std::chrono::milliseconds d);

  const config::ClusterConfig& cluster_;
  const std::vector<config::PluginConfig>& pinned_;
  uint64_t max_module_bytes_;
  uint32_t keep_versions_;
  const PluginRegistry& registry_;
  PluginManager& manager_;
  const util::Clock& clock_;
  std::unique_ptr<cluster::RedisLinks> redis_;
  std::unique_ptr<cluster::ClusterCatalog> admin_catalog_;
  std::unique_ptr<cluster::ClusterCatalog> follow_catalog_;
  std::string node_id_;
  std::string advertise_;

  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;               // under mu_
  uint64_t applied_version_ = 0;        // under mu_
  std::string applied_id_ = "0-0";      // under mu_
  std::string last_error_;              // under mu_
  std::string last_error_plugin_;       // under mu_
  int64_t last_error_ms_ = 0;           // under mu_: Unix time of last_error_
  std::set<std::string> from_catalog_;  // under mu_: local plugins that came from the catalog
  std::atomic<bool> leaving_{false};
  std::thread follower_;
  std::thread heartbeat_;
};

}  // namespace hookd::server
