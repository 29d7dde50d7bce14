// Checks on a whole Config: every value against its rule again (a Config may be
// built in code), then the constraints that involve more than one setting.
#include <algorithm>
#include <set>

#include "diagnostics.hpp"
#include "routes.hpp"
#include "schema.hpp"
#include "value_rules.hpp"

namespace hookd::config {
namespace {

Origin origin_of(const Config& config, std::string_view key) {
  if (auto it = config.origins.find(key); it != config.origins.end()) return it->second;
  return Origin{"defaults", 0, std::string(key)};
}

void recheck_values(const Config& config, Errors& errors) {
  for (const auto& spec : detail::config_fields()) {
    toml::table written;
    spec.write(config, written);
    const toml::node* node = written.get(spec.key);
    if (!node) continue;
    const Origin origin = origin_of(config, spec.dotted());
    detail::Diagnostics diag{origin.source};
    detail::FieldContext ctx{diag, origin.name};
    Config scratch;
    spec.read(scratch, *node, ctx);
    for (auto& error : diag.errors()) {
      error.line = origin.line;
      errors.push_back(std::move(error));
    }
  }
}

void recheck_plugins(const Config& config, Errors& errors) {
  std::set<std::string_view> seen;
  for (const auto& plugin : config.plugins) {
    const std::string key = detail::join_key("plugins", plugin.name);
    const Origin origin = origin_of(config, key);
    detail::Diagnostics diag{origin.source};
    if (!detail::is_plugin_name(plugin.name)) {
      diag.invalid(origin.line, key, "plugin names must be 1 to 64 of A-Z a-z 0-9 _ -");
    }
    if (!seen.insert(plugin.name).second) diag.invalid(origin.line, key, "configured twice");
    if (plugin.path.empty()) {
      diag.add(ConfigError::Kind::missing_key, origin.line, key + ".path",
               "required: the plugin's .wasm file");
    }
    toml::table written;
    detail::write_fields(detail::plugin_fields(), plugin.settings, written);
    PluginSettings scratch;
    detail::TableReader<PluginSettings>{detail::plugin_fields(), scratch, diag, key}.read(written);
    for (auto& error : diag.errors()) {
      if (error.line == 0) error.line = origin.line;
      errors.push_back(std::move(error));
    }
  }
}

// [[routes]] against their rules again, and every route of the file (its
// own and the plugins') against limits.max_routes. Routes that plugins
// uploaded through the admin API are counted when the route table is built.
void recheck_routes(const Config& config, Errors& errors) {
  const Origin origin = origin_of(config, "routes");
  detail::Diagnostics diag{origin.source};
  if (!config.routes.empty()) {
    toml::table written;
    written.insert("routes", detail::write_routes(config.routes, true));
    detail::FieldContext ctx{diag, "routes"};
    std::vector<RouteConfig> scratch;
    detail::read_routes(*written.get("routes"), ctx, true, scratch);
  }
  std::size_t count = config.routes.size();
  for (const auto& plugin : config.plugins) count += plugin.settings.routes.size();
  if (count > config.limits.max_routes) {
    diag.invalid(
        origin.line, "routes",
        fmt::format("{} routes are declared ([[routes]] and the plugins'), more than limits.max_routes "
                    "({})",
                    count, config.limits.max_routes));
  }
  for (auto& error : diag.errors()) {
    if (error.line == 0) error.line = origin.line;
    errors.push_back(std::move(error));
  }
}

void check_cross_fields(const Config& config, Errors& errors) {
  auto report = [&](std::string_view key, std::string message) {
    Origin origin = origin_of(config, key);
    errors.push_back({std::move(origin.source), origin.line, std::move(origin.name), std::move(message),
                      ConfigError::Kind::conflict});
  };
  const auto& server = config.server;
  if (server.listen == server.admin_listen && server.listen.port != 0) {
    report("server.admin_listen",
           fmt::format("must differ from server.listen (both are {})", server.listen.to_string()));
  }
  const auto& limits = config.limits;
  if (limits.ws_ping_interval.count() > 0 && limits.ws_ping_interval >= limits.ws_idle_timeout) {
    report("limits.ws_ping_interval_ms",
           fmt::format("must be shorter than limits.ws_idle_timeout_ms ({} ms), or idle "
                       "WebSocket connections close before they are pinged",
                       limits.ws_idle_timeout.count()));
  }
  // The budget must admit the largest body and message the other limits
  // allow, or such a request would be refused even on an idle gateway.
  const uint64_t largest = std::max(limits.max_body_bytes, limits.ws_max_message_bytes);
  if (limits.max_buffered_request_bytes < largest) {
    report("limits.max_buffered_request_bytes",
           fmt::format("must be at least the larger of limits.max_body_bytes and limits.ws_max_message_bytes "
                       "({} bytes), or a request of that size could never be received",
                       largest));
  }
  if (config.cluster.enabled && config.kv.backend != KvBackend::redis) {
    report("cluster.enabled",
           "cluster mode needs kv.backend = \"redis\": the catalog and the plugins' KV live in the Redis "
           "of [kv.redis]");
  }
  if (config.cluster.enabled && config.cluster.node_ttl <= config.cluster.heartbeat_interval) {
    report("cluster.node_ttl_ms", fmt::format("must be longer than cluster.heartbeat_ms ({} ms)",
                                              config.cluster.heartbeat_interval.count()));
  }
  if (config.tracing.enabled && config.tracing.collector_url.empty()) {
    report("tracing.enabled", "tracing needs tracing.collector_url: where spans are sent");
  }
  if (config.fetch.connect_timeout > config.fetch.total_timeout) {
    report("fetch.connect_timeout_ms",
           fmt::format("must not exceed fetch.total_timeout_ms ({} ms)", config.fetch.total_timeout.count()));
  }
}

}  // namespace

Errors validate(const Config& config) {
  Errors errors;
  recheck_values(config, errors);
  recheck_plugins(config, errors);
  recheck_routes(config, errors);
  check_cross_fields(config, errors);
  return errors;
}

}  // namespace hookd::config
