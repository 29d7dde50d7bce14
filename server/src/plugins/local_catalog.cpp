#include "plugins/local_catalog.hpp"

#include <spdlog/spdlog.h>

namespace hookd::server {
namespace {

// The plugin manager reports in engine errors (what its callers map to
// HTTP statuses); a data-directory failure is an internal one, its text kept.
engine::Result<void> as_engine_result(ServerResult<void> r) {
  if (!r) return std::unexpected(engine::Error{engine::ErrorKind::kInternal, r.error().describe()});
  return {};
}

}  // namespace

size_t LocalCatalog::load_kept() {
  std::vector<std::string> problems;
  auto stored = store_.load_all(problems);
  for (const auto& problem : problems) spdlog::error("stored plugin skipped: {}", problem);
  size_t loaded = 0;
  for (auto& s : stored) {
    if (config_plugin(pinned_, s.name) != nullptr) {
      spdlog::warn(
          "plugin {}: the upload stored in {} is not loaded: the config file's plugin of that name is pinned "
          "(delete that file, or remove the plugin from the config file to serve the upload)",
          s.name, store_.file_for(s.name).string());
      continue;
    }
    ++loaded;
    spdlog::info("plugin {}: from an upload stored in {} (no config file plugin has this name)", s.name,
                 store_.file_for(s.name).string());
    auto r = manager_.install(s.name, s.wasm, s.settings, PluginManager::Persist::kAlreadyStored);
    if (!r) spdlog::error("stored plugin {} not loaded: {}", s.name, r.error().describe());
  }
  return loaded;
}

engine::Result<void> LocalCatalog::save(const std::string& name, std::span<const uint8_t> wasm,
                                        const config::PluginSettings& settings) {
  return as_engine_result(store_.save(name, wasm, settings));
}

engine::Result<void> LocalCatalog::forget(const std::string& name) {
  return as_engine_result(store_.remove(name));
}

}  // namespace hookd::server
