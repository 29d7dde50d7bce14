// The route table of a set of plugins: the config file's [[routes]] whose
// plugin is in the set, then each plugin's own routes (its settings), built
// and checked as a whole (routing/route_table.hpp). PluginManager builds one
// for every catalog it publishes, so a load, replace or delete changes the
// routes in the same atomic step as the plugins, or not at all.
//
// A [[routes]] entry whose plugin is not in the set is left out of the table
// (inactive) rather than failing every change: in a cluster, a plugin the
// file routes to may be deleted on another node. At start, one the loaded
// plugins do not make active is a configuration error
// (inactive_file_routes), so a misspelt plugin name is caught.
#pragma once

#include <expected>
#include <memory>
#include <string>
#include <vector>

#include "hookd/config/config.hpp"
#include "plugins/plugin_registry.hpp"
#include "routing/route_table.hpp"

namespace hookd::server {

// The table for `catalog`'s plugins, or every problem, one per line.
std::expected<std::shared_ptr<const routing::RouteTable>, std::string> build_catalog_routes(
    const config::Config& config, const Catalog& catalog);

// "<origin> names plugin \"x\", which is not loaded" for each [[routes]]
// entry whose plugin is not in `catalog`.
std::vector<std::string> inactive_file_routes(const config::Config& config, const Catalog& catalog);

}  // namespace hookd::server
