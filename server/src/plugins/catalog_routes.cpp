#include "plugins/catalog_routes.hpp"

#include "routing/route_specs.hpp"

namespace hookd::server {

std::expected<std::shared_ptr<const routing::RouteTable>, std::string> build_catalog_routes(
    const config::Config& config, const Catalog& catalog) {
  std::vector<routing::RouteSpec> specs;
  for (routing::RouteSpec& spec : routing::file_routes(config)) {
    if (catalog.find(spec.plugin) != nullptr) specs.push_back(std::move(spec));
  }
  routing::KnownFunctions functions;
  for (const auto& [name, entry] : catalog.plugins) {
    routing::append_plugin_routes(name, entry->settings, specs);
    auto& fns = functions[name];
    for (const auto& f : entry->module->functions()) fns.insert(f.name);
  }
  auto table = routing::RouteTable::build(specs, functions, routing::build_limits(config.limits));
  if (!table) return std::unexpected(table.error().message());
  return std::make_shared<const routing::RouteTable>(std::move(*table));
}

std::vector<std::string> inactive_file_routes(const config::Config& config, const Catalog& catalog) {
  std::vector<std::string> out;
  for (const routing::RouteSpec& spec : routing::file_routes(config)) {
    if (catalog.find(spec.plugin) == nullptr) {
      out.push_back(spec.origin + " names plugin \"" + spec.plugin + "\", which is not loaded");
    }
  }
  return out;
}

}  // namespace hookd::server
