// The catalog of a single gateway (plugin_catalog.hpp): uploads are kept in
// the data directory (<data_dir>/plugins, plugin_store.hpp) and loaded from
// there at start-up, after the config file's plugins, whose names they
// cannot take (a config file plugin is pinned). Each upload is a version,
// kept in <data_dir>/plugins/versions (version_store.hpp); <name>.plugin
// stays the copy of the serving one, what a restart loads.
#pragma once

#include <filesystem>
#include <vector>

#include "plugins/file_system.hpp"
#include "plugins/plugin_catalog.hpp"
#include "plugins/plugin_manager.hpp"
#include "plugins/plugin_store.hpp"
#include "plugins/version_store.hpp"

namespace hookd::server {

class LocalCatalog final : public PluginCatalog {
 public:
  // `pinned`: the config file's plugins; `keep_versions`: of each upload
  // (server.keep_versions).
  LocalCatalog(const std::filesystem::path& dir, const std::vector<config::PluginConfig>& pinned,
               PluginManager& manager, uint32_t keep_versions, FileSystem& files = system_file_system())
      : store_(dir, files),
        versions_(dir / "versions", keep_versions, files),
        pinned_(pinned),
        manager_(manager) {}

  size_t load_kept() override;
  [[nodiscard]] std::string describe() const override { return "stored in " + store_.dir().string(); }
  ServerResult<void> join() override { return {}; }
  void start(uint16_t) override {}
  void set_leaving() override {}
  void stop() override {}
  engine::Result<bool> remove(const std::string& name) override { return manager_.remove(name, this); }
  std::optional<engine::Result<std::string>> nodes_json() override { return std::nullopt; }
  engine::Result<std::optional<VersionHistory>> versions(const std::string& name) override;
  engine::Result<std::optional<StoredPlugin>> version(const std::string& name, uint64_t number) override;
  engine::Result<uint64_t> save(const std::string& name, std::span<const uint8_t> wasm,
                                const config::PluginSettings& settings, const VersionInfo& info) override;
  engine::Result<void> serve(const std::string& name, uint64_t number, std::span<const uint8_t> wasm,
                             const config::PluginSettings& settings) override;
  engine::Result<void> forget(const std::string& name) override;
  engine::Result<uint64_t> stage(const std::string& name, std::span<const uint8_t> wasm,
                                 const config::PluginSettings& settings, const VersionInfo& info) override;

 private:
  // Records `number` as serving again after a change that failed to keep its serving copy.
  void restore_serving(const std::string& name, uint64_t number);

  PluginStore store_;
  VersionStore versions_;
  const std::vector<config::PluginConfig>& pinned_;
  PluginManager& manager_;
};

}  // namespace hookd::server
