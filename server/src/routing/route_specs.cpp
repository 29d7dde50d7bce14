#include "routing/route_specs.hpp"

#include <fmt/format.h>

namespace hookd::routing {
namespace {

RouteSpec spec_of(const config::RouteConfig& route, std::string_view plugin, std::string origin) {
  return RouteSpec{std::string(plugin), route.function, route.methods,
                   route.host,          route.path,     std::move(origin)};
}

}  // namespace

std::vector<RouteSpec> file_routes(const config::Config& config) {
  std::string source = "config";
  if (auto it = config.origins.find("routes"); it != config.origins.end()) source = it->second.source;
  std::vector<RouteSpec> specs;
  specs.reserve(config.routes.size());
  for (std::size_t i = 0; i < config.routes.size(); ++i) {
    const auto& route = config.routes[i];
    specs.push_back(spec_of(route, route.plugin, fmt::format("{}: routes[{}]", source, i)));
  }
  return specs;
}

void append_plugin_routes(std::string_view plugin, const config::PluginSettings& settings,
                          std::vector<RouteSpec>& out) {
  for (std::size_t i = 0; i < settings.routes.size(); ++i) {
    out.push_back(spec_of(settings.routes[i], plugin, fmt::format("plugin {}: routes[{}]", plugin, i)));
  }
}

BuildLimits build_limits(const config::LimitsConfig& limits) { return BuildLimits{limits.max_routes}; }

}  // namespace hookd::routing
