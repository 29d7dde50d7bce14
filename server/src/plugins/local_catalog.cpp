#include "plugins/local_catalog.hpp"

#include <spdlog/spdlog.h>

namespace hookd::server {
namespace {

// The plugin manager reports in engine errors (what its callers map to
// HTTP statuses); a data-directory failure is an internal one, its text kept.
engine::Result<void> as_engine_result(ServerResult<void> r) {
  if (!r) return std::unexpected(engine::Error{engine::ErrorKind::kInternal, r.error().describe(), 500});
  return {};
}

std::unexpected<engine::Error> as_engine_error(const ServerError& e) {
  return std::unexpected(engine::Error{engine::ErrorKind::kInternal, e.describe(), 500});
}

// What a version kept before this data directory had versions records as its origin.
constexpr std::string_view kAdopted = "hookd (kept before versions were recorded)";

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
    // The serving copy's version; one with none (kept before versions
    // were, or a crash between a change's two writes) becomes a new one.
    const uint64_t number = versions_.match_serving(s);
    PluginManager::Persist persist{
        number != 0 ? PluginManager::Persist::kAlreadyStored : PluginManager::Persist::kWrite, this};
    persist.version = number;
    persist.created_by = kAdopted;
    auto r = manager_.install(s.name, s.wasm, s.settings, std::move(persist));
    if (!r) spdlog::error("stored plugin {} not loaded: {}", s.name, r.error().describe());
  }
  return loaded;
}

engine::Result<std::optional<VersionHistory>> LocalCatalog::versions(const std::string& name) {
  auto h = versions_.history(name);
  if (!h) return as_engine_error(h.error());
  return std::move(*h);
}

engine::Result<std::optional<StoredPlugin>> LocalCatalog::version(const std::string& name, uint64_t number) {
  auto v = versions_.load(name, number);
  if (!v) return as_engine_error(v.error());
  return std::move(*v);
}

void LocalCatalog::restore_serving(const std::string& name, uint64_t number) {
  if (number == 0) return;
  if (auto r = versions_.set_serving(name, number); !r) {
    spdlog::error("plugin {}: cannot record version {} as serving again ({}); the next start corrects it",
                  name, number, r.error().describe());
  }
}

// The version first, then the serving copy: a crash between the two leaves
// the old copy serving and a version recorded as serving that is not, which
// the next start corrects (VersionStore::match_serving).
engine::Result<uint64_t> LocalCatalog::save(const std::string& name, std::span<const uint8_t> wasm,
                                            const config::PluginSettings& settings, const VersionInfo& info) {
  auto before = versions_.history(name);
  if (!before) return as_engine_error(before.error());
  auto added = versions_.add(name, wasm, settings, info);
  if (!added) return as_engine_error(added.error());
  if (auto r = store_.save(name, wasm, settings); !r) {
    restore_serving(name, *before ? (*before)->serving : 0);
    return as_engine_error(r.error());
  }
  return added->number;
}

engine::Result<void> LocalCatalog::serve(const std::string& name, uint64_t number,
                                         std::span<const uint8_t> wasm,
                                         const config::PluginSettings& settings) {
  auto before = versions_.history(name);
  if (!before) return as_engine_error(before.error());
  auto kept = versions_.set_serving(name, number);
  if (!kept) return as_engine_error(kept.error());
  if (!*kept) {
    return engine::fail(engine::ErrorKind::kNotFound,
                        "version " + std::to_string(number) + " of plugin " + name + " is no longer kept",
                        404);
  }
  if (auto r = store_.save(name, wasm, settings); !r) {
    restore_serving(name, *before ? (*before)->serving : 0);
    return as_engine_error(r.error());
  }
  return {};
}

// A version only: the serving copy stays what it is.
engine::Result<uint64_t> LocalCatalog::stage(const std::string& name, std::span<const uint8_t> wasm,
                                             const config::PluginSettings& settings,
                                             const VersionInfo& info) {
  auto added = versions_.add(name, wasm, settings, info, /*serve=*/false);
  if (!added) return as_engine_error(added.error());
  return added->number;
}

// The serving copy first: once it is gone, a restart does not serve the
// plugin, whatever happens to its versions.
engine::Result<void> LocalCatalog::forget(const std::string& name) {
  if (auto r = as_engine_result(store_.remove(name)); !r) return r;
  return as_engine_result(versions_.remove(name));
}

}  // namespace hookd::server
