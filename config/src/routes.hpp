// Routes in the config: [[routes]] (with `plugin`) and a plugin's `routes`
// (without). Private to hookd_config; routes.cpp explains what is checked.
#pragma once

#include <toml++/toml.h>

#include <vector>

#include "diagnostics.hpp"
#include "schema.hpp"

namespace hookd::config::detail {

/// The most routes one list may hold: the top of limits.max_routes' range.
inline constexpr std::size_t kMaxRoutesListed = 100'000;

/// Reads an array of route tables into `out`; every bad entry is reported
/// under "<ctx.key>[i]". `with_plugin`: [[routes]], where `plugin` is
/// required; otherwise a plugin's own, where it is an unknown key. False
/// (and `out` unchanged) on any error.
bool read_routes(const toml::node& node, FieldContext& ctx, bool with_plugin, std::vector<RouteConfig>& out);

/// The routes as an array of tables, as read_routes reads them.
toml::array write_routes(const std::vector<RouteConfig>& routes, bool with_plugin);

/// A plugin's `routes` setting.
FieldSpec<PluginSettings> plugin_routes();

}  // namespace hookd::config::detail
