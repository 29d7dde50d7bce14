// The kept versions of each uploaded plugin (docs/releases.md), in
// <dir>/<name>/ (dir: <data_dir>/plugins/versions):
//   <n>.plugin   version n's module and settings, in plugin_store.hpp's
//                format (mode 0600: settings hold secrets);
//   index.json   the next number, the serving version, and each kept
//                version's metadata, oldest first.
// Every file is written durably (write_file_durably). index.json is the
// commit point: a version file it does not list is an unfinished write or
// an unfinished prune, and is removed by the next change. Numbers are never
// reused while the plugin exists: pruning old versions does not lower
// `next`; deleting the plugin deletes its history.
//
// Thread-safe: one mutex serialises every read and write of the directory.
#pragma once

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "hookd/config/config.hpp"
#include "hookd/server/error.hpp"
#include "plugins/file_system.hpp"
#include "plugins/plugin_store.hpp"
#include "plugins/plugin_version.hpp"

namespace hookd::server {

class VersionStore {
 public:
  // Keeps the newest `keep` versions of each plugin (and always the serving one).
  VersionStore(std::filesystem::path dir, uint32_t keep, FileSystem& files = system_file_system())
      : dir_(std::move(dir)), keep_(keep), files_(files) {}

  // nullopt when `name` has no history.
  ServerResult<std::optional<VersionHistory>> history(const std::string& name) const;
  // Keeps a new version (`info`'s number is assigned), records it as serving
  // (unless `serve` is false: a staged upload, docs/releases.md) and prunes
  // the oldest beyond the count, never the serving one nor the new one;
  // returns it.
  ServerResult<VersionInfo> add(const std::string& name, std::span<const uint8_t> wasm,
                                const config::PluginSettings& settings, VersionInfo info, bool serve = true);
  // Records kept version `number` as serving; false when it is not kept.
  ServerResult<bool> set_serving(const std::string& name, uint64_t number);
  // Version `number`'s module and settings; nullopt when it is not kept.
  ServerResult<std::optional<StoredPlugin>> load(const std::string& name, uint64_t number) const;
  // Deletes the whole history of `name`.
  ServerResult<void> remove(const std::string& name);
  // At start: the kept version whose module and settings are exactly
  // `serving` (the serving version when it matches, else the newest that
  // does), recorded as serving; 0 when none does (a crash between a
  // change's index and its serving copy left them apart).
  uint64_t match_serving(const StoredPlugin& serving);

  [[nodiscard]] std::filesystem::path dir_for(const std::string& name) const { return dir_ / name; }

 private:
  ServerResult<std::optional<VersionHistory>> read_index(const std::string& name) const;
  ServerResult<void> write_index(const std::string& name, const VersionHistory& h);
  ServerResult<std::optional<std::vector<uint8_t>>> read_version(const std::string& name,
                                                                 uint64_t number) const;
  // Removes version files index.json does not list.
  void remove_unlisted(const std::string& name, const VersionHistory& h);

  std::filesystem::path dir_;
  uint32_t keep_;
  FileSystem& files_;
  mutable std::mutex mu_;
};

}  // namespace hookd::server
