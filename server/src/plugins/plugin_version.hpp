// A plugin's versions (docs/releases.md): each upload of a plugin is a
// numbered version, kept by the plugin catalog (plugin_catalog.hpp) for
// listing, download and rollback; the one serving is the plugin's stable
// version.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hookd::server {

struct VersionInfo {
  uint64_t number = 0;
  std::string sha256;      // of the module
  uint64_t size = 0;       // the module's bytes
  int64_t created_ms = 0;  // Unix time of the upload
  std::string created_by;  // who uploaded it: the admin client's address
  std::string abi;         // engine::abi_name of the module
};

struct VersionHistory {
  uint64_t next = 1;                  // the number the next upload gets
  uint64_t serving = 0;               // the version serving; 0: none known
  std::vector<VersionInfo> versions;  // kept ones, oldest first
  [[nodiscard]] const VersionInfo* find(uint64_t number) const;
};

}  // namespace hookd::server
