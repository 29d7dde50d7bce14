// The config's routes as route-table input: [[routes]] of the file, and the
// routes in one plugin's settings (from the file or an admin upload).
#pragma once

#include <string_view>
#include <vector>

#include "hookd/config/config.hpp"
#include "routing/route_table.hpp"

namespace hookd::routing {

/// [[routes]], in file order; origins read "<file>: routes[i]".
std::vector<RouteSpec> file_routes(const config::Config& config);

/// Appends a plugin's own routes (their plugin is `plugin`); origins read
/// "plugin <name>: routes[i]".
void append_plugin_routes(std::string_view plugin, const config::PluginSettings& settings,
                          std::vector<RouteSpec>& out);

/// The limits the table is built with.
BuildLimits build_limits(const config::LimitsConfig& limits);

}  // namespace hookd::routing
