// The effective configuration written back as TOML.
#include <sstream>

#include "routes.hpp"
#include "schema.hpp"

namespace hookd::config {

std::string to_toml(const Config& config, bool include_secrets) {
  toml::table root;
  detail::write_fields(detail::config_fields(), config, root);
  if (!include_secrets) {
    auto redact = [](toml::table* table, std::string_view key) {
      if (!table) return;
      const auto* value = table->get_as<std::string>(key);
      if (value && !value->get().empty()) table->insert_or_assign(key, "<redacted>");
    };
    redact(root["server"].as_table(), "admin_token");
    redact(root["kv"]["redis"].as_table(), "password");
  }
  toml::table plugins;
  for (const auto& plugin : config.plugins) {
    toml::table table;
    table.insert("path", plugin.path.string());
    detail::write_fields(detail::plugin_fields(), plugin.settings, table);
    plugins.insert(plugin.name, std::move(table));
  }
  if (!plugins.empty()) root.insert("plugins", std::move(plugins));
  if (!config.routes.empty()) root.insert("routes", detail::write_routes(config.routes, true));
  std::ostringstream out;
  out << root << '\n';
  return out.str();
}

}  // namespace hookd::config
