// Uploaded plugins and their settings, persisted in <data_dir>/plugins so a
// restart serves the same set. A plugin's module and its settings are one
// file, <name>.plugin (mode 0600: settings hold config values such as API
// keys), written to a fresh temporary file (unpredictable name, O_EXCL |
// O_NOFOLLOW), fsynced and renamed over the old one, then the directory is
// fsynced: a crash or a full disk leaves either the old pair or the new one,
// never new code with old settings, and never a torn file.
//
// Earlier versions stored <name>.wasm and <name>.json; load_all() still reads
// them and rewrites each such pair once as <name>.plugin.
#pragma once

#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hookd/config/config.hpp"
#include "hookd/engine/result.hpp"
#include "hookd/server/error.hpp"
#include "plugins/file_system.hpp"

namespace hookd::server {

struct StoredPlugin {
  std::string name;
  std::vector<uint8_t> wasm;
  config::PluginSettings settings;
};

class PluginStore {
 public:
  // `files`: the writes' system calls (tests make one fail).
  explicit PluginStore(std::filesystem::path dir, FileSystem& files = system_file_system())
      : dir_(std::move(dir)), files_(files) {}

  ServerResult<void> save(const std::string& name, std::span<const uint8_t> wasm,
                          const config::PluginSettings& settings);
  ServerResult<void> remove(const std::string& name);
  // Every stored plugin; unreadable entries are reported and skipped.
  // Migrates pairs stored by earlier versions, and deletes temporary files a
  // crash left behind.
  std::vector<StoredPlugin> load_all(std::vector<std::string>& problems);

  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }
  [[nodiscard]] std::filesystem::path file_for(const std::string& name) const {
    return dir_ / (name + ".plugin");
  }

 private:
  std::filesystem::path dir_;
  FileSystem& files_;
};

// The bytes of a <name>.plugin file (module and settings), and back; the
// version store (version_store.hpp) keeps each version in the same form.
std::vector<uint8_t> encode_plugin_file(std::span<const uint8_t> wasm,
                                        const config::PluginSettings& settings);
engine::Result<StoredPlugin> decode_plugin_file(const std::filesystem::path& path, const std::string& name,
                                                std::vector<uint8_t> bytes);

// Writes `data` to `path` atomically and durably: a new temporary file in the
// same directory (random name, created exclusively, never through a
// symlink), fsync, rename over `path`, fsync of the directory. `mode`
// applies to the new file. On failure nothing is left behind and `path` is
// untouched.
ServerResult<void> write_file_durably(const std::filesystem::path& path, std::span<const uint8_t> data,
                                      unsigned mode = 0600, FileSystem& files = system_file_system());

}  // namespace hookd::server
