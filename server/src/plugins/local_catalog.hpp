// The catalog of a single gateway (plugin_catalog.hpp): uploads are kept in
// the data directory (<data_dir>/plugins, plugin_store.hpp) and loaded from
// there at start-up, after the config file's plugins, whose names they
// cannot take (a config file plugin is pinned).
#pragma once

#include <filesystem>
#include <vector>

#include "plugins/file_system.hpp"
#include "plugins/plugin_catalog.hpp"
#include "plugins/plugin_manager.hpp"
#include "plugins/plugin_store.hpp"

namespace hookd::server {

class LocalCatalog final : public PluginCatalog {
 public:
  // `pinned`: the config file's plugins.
  LocalCatalog(std::filesystem::path dir, const std::vector<config::PluginConfig>& pinned,
               PluginManager& manager, FileSystem& files = system_file_system())
      : store_(std::move(dir), files), pinned_(pinned), manager_(manager) {}

  size_t load_kept() override;
  [[nodiscard]] std::string describe() const override { return "stored in " + store_.dir().string(); }
  ServerResult<void> join() override { return {}; }
  void start(uint16_t) override {}
  void set_leaving() override {}
  void stop() override {}
  engine::Result<bool> remove(const std::string& name) override { return manager_.remove(name, this); }
  std::optional<engine::Result<std::string>> nodes_json() override { return std::nullopt; }
  engine::Result<void> save(const std::string& name, std::span<const uint8_t> wasm,
                            const config::PluginSettings& settings) override;
  engine::Result<void> forget(const std::string& name) override;

 private:
  PluginStore store_;
  const std::vector<config::PluginConfig>& pinned_;
  PluginManager& manager_;
};

}  // namespace hookd::server
