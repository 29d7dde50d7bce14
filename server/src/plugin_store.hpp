// Uploaded plugins and their settings, persisted in <data_dir>/plugins so a
// restart serves the same set. Writes go to a temporary file that is fsynced
// and renamed over the old one, then the directory is fsynced: a crash leaves
// either the old or the new version, never a torn file.
#pragma once

#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "hookd/config/config.hpp"
#include "hookd/engine/result.hpp"

namespace hookd::server {

struct StoredPlugin {
  std::string name;
  std::vector<uint8_t> wasm;
  config::PluginSettings settings;
};

class PluginStore {
 public:
  explicit PluginStore(std::filesystem::path dir) : dir_(std::move(dir)) {}

  engine::Result<void> save(const std::string& name, std::span<const uint8_t> wasm,
                            const config::PluginSettings& settings);
  engine::Result<void> remove(const std::string& name);
  // Every stored plugin; unreadable entries are reported and skipped.
  std::vector<StoredPlugin> load_all(std::vector<std::string>& problems) const;

 private:
  std::filesystem::path dir_;
};

// Writes `data` to `path` atomically and durably (temp file, fsync, rename,
// fsync of the directory). `mode` applies to the new file.
engine::Result<void> write_file_durably(const std::filesystem::path& path, std::span<const uint8_t> data,
                                        unsigned mode = 0644);

}  // namespace hookd::server
