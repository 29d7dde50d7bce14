// A plugin's versions in the cluster catalog (cluster_catalog.hpp's
// history:<name> hash): `last` (the number last given), `serving`, and one
// field v:<n> per kept version whose value is its record, JSON of its
// VersionInfo (plugins/plugin_version.hpp) but the number, plus its settings.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "plugins/plugin_version.hpp"

namespace hookd::server::cluster {

std::string version_record_json(const VersionInfo& info, const std::string& settings_json);

struct ParsedHistory {
  VersionHistory history;
  std::map<uint64_t, std::string> settings_json;  // by version number
};
// nullopt when there is no history (no fields). A record that does not
// parse is left out, as if pruned.
std::optional<ParsedHistory> parse_history(const std::vector<std::pair<std::string, std::string>>& fields);

}  // namespace hookd::server::cluster
