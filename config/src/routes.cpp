// Routes in the config (docs/configuration.md, "Routes"): [[routes]] at the
// top of the file, which name their plugin, and `routes` in a plugin's
// settings ([[plugins.<name>.routes]], or "routes" in the admin API's JSON),
// which do not. Only their shape is checked here; the route table checks
// the pattern, the function and conflicts when it is built, against the
// plugins then loaded.
#include "routes.hpp"

#include <algorithm>
#include <array>

#include "value_rules.hpp"

namespace hookd::config::detail {
namespace {

constexpr std::size_t kMaxPathBytes = 1024;  // the route table's pattern limit
constexpr std::size_t kMaxHostBytes = 253;
constexpr std::array<std::string_view, 8> kMethodNames{"GET",    "HEAD",  "POST",    "PUT",
                                                       "DELETE", "PATCH", "OPTIONS", "*"};

using StringCheck = std::expected<std::string, std::string> (*)(std::string);

FieldSpec<RouteConfig> text_field(std::string_view key, std::size_t max_length,
                                  std::string RouteConfig::*member, StringCheck check) {
  return {"", key, TextForm::string,
          [=](RouteConfig& target, const toml::node& node, FieldContext& ctx) {
            auto value = read_string(node, max_length);
            if (value) value = check(std::move(*value));
            if (!value) return ctx.fail(node, value.error());
            target.*member = std::move(*value);
          },
          [=](const RouteConfig& target, toml::table& out) {
            if (!(target.*member).empty()) out.insert_or_assign(key, target.*member);
          }};
}

std::expected<std::string, std::string> check_path(std::string text) {
  if (!text.starts_with('/')) return std::unexpected(std::string("must start with '/'"));
  return text;
}

std::expected<std::string, std::string> check_host(std::string text) {
  const bool ok = !text.empty() && std::ranges::all_of(text, [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '.';
  });
  if (!ok) return std::unexpected(std::string("expected a host name (A-Z a-z 0-9 - .) without a port"));
  return text;
}

std::expected<std::string, std::string> check_function(std::string text) {
  auto name = FunctionName::parse(text);
  if (!name) return std::unexpected(name.error());
  return text;
}

std::expected<std::string, std::string> check_plugin(std::string text) {
  if (!is_plugin_name(text))
    return std::unexpected(std::string("plugin names are 1 to 64 of A-Z a-z 0-9 _ -"));
  return text;
}

FieldSpec<RouteConfig> methods_field() {
  return {"", "methods", TextForm::string_list,
          [](RouteConfig& target, const toml::node& node, FieldContext& ctx) {
            const auto* array = node.as_array();
            if (!array) {
              return ctx.fail(
                  node, fmt::format("expected an array such as [\"GET\", \"POST\"], got {}", describe(node)));
            }
            std::vector<std::string> methods;
            for (std::size_t i = 0; i < array->size(); ++i) {
              const toml::node& element = *array->get(i);
              const auto* text = element.as_string();
              const bool known = text && std::ranges::find(kMethodNames, text->get()) != kMethodNames.end();
              if (!known) {
                return ctx.fail(node, fmt::format("entry {}: expected one of GET|HEAD|POST|PUT|DELETE|PATCH|"
                                                  "OPTIONS|* (upper-case), got {}",
                                                  i + 1, describe(element)));
              }
              if (std::ranges::find(methods, text->get()) != methods.end()) {
                return ctx.fail(node, fmt::format("entry {}: {} is listed twice", i + 1, text->get()));
              }
              methods.push_back(text->get());
            }
            if (methods.size() > 1 && std::ranges::find(methods, "*") != methods.end()) {
              return ctx.fail(node, "\"*\" (any method) cannot be listed with others");
            }
            target.methods = std::move(methods);
          },
          [](const RouteConfig& target, toml::table& out) {
            if (target.methods.empty()) return;
            toml::array array;
            for (const auto& m : target.methods) array.push_back(m);
            out.insert_or_assign("methods", std::move(array));
          }};
}

const std::vector<FieldSpec<RouteConfig>>& route_fields(bool with_plugin) {
  static const std::vector<FieldSpec<RouteConfig>> own{
      methods_field(),
      text_field("path", kMaxPathBytes, &RouteConfig::path, check_path),
      text_field("host", kMaxHostBytes, &RouteConfig::host, check_host),
      text_field("function", 128, &RouteConfig::function, check_function),
  };
  static const std::vector<FieldSpec<RouteConfig>> top = [] {
    auto fields = own;
    fields.insert(fields.begin(), text_field("plugin", 64, &RouteConfig::plugin, check_plugin));
    return fields;
  }();
  return with_plugin ? top : own;
}

}  // namespace

bool read_routes(const toml::node& node, FieldContext& ctx, bool with_plugin, std::vector<RouteConfig>& out) {
  const auto* array = node.as_array();
  if (!array) {
    ctx.fail(node, fmt::format("expected an array of tables ([[{}]]), got {}", ctx.key, describe(node)));
    return false;
  }
  if (array->size() > kMaxRoutesListed) {
    ctx.fail(node, fmt::format("at most {} routes are allowed", kMaxRoutesListed));
    return false;
  }
  const auto before = ctx.diag.count();
  std::vector<RouteConfig> routes;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& element = *array->get(i);
    const std::string key = fmt::format("{}[{}]", ctx.key, i);
    const int line = line_of(element) ? line_of(element) : line_of(node);
    const auto* table = element.as_table();
    if (!table) {
      ctx.diag.invalid(line, key, fmt::format("expected a table, got {}", describe(element)));
      continue;
    }
    const auto entry_before = ctx.diag.count();
    RouteConfig route;
    TableReader<RouteConfig>{route_fields(with_plugin), route, ctx.diag, key}.read(*table);
    if (ctx.diag.count() != entry_before) continue;
    auto missing = [&](std::string_view field, std::string_view what) {
      ctx.diag.add(ConfigError::Kind::missing_key, line, join_key(key, field),
                   fmt::format("required: {}", what));
    };
    if (with_plugin && route.plugin.empty()) missing("plugin", "the plugin whose function serves the route");
    if (route.path.empty()) missing("path", "the path pattern, such as \"/r/{code}\"");
    if (route.function.empty()) missing("function", "the plugin function that serves the route");
    routes.push_back(std::move(route));
  }
  if (ctx.diag.count() != before) return false;
  out = std::move(routes);
  return true;
}

toml::array write_routes(const std::vector<RouteConfig>& routes, bool with_plugin) {
  toml::array array;
  for (const auto& route : routes) {
    toml::table table;
    write_fields(route_fields(with_plugin), route, table);
    array.push_back(std::move(table));
  }
  return array;
}

FieldSpec<PluginSettings> plugin_routes() {
  return {"", "routes", TextForm::string,
          [](PluginSettings& target, const toml::node& node, FieldContext& ctx) {
            read_routes(node, ctx, false, target.routes);
          },
          // Written only when there are routes, so the settings of plugins
          // without any read as before.
          [](const PluginSettings& target, toml::table& out) {
            if (!target.routes.empty()) out.insert_or_assign("routes", write_routes(target.routes, false));
          }};
}

}  // namespace hookd::config::detail
