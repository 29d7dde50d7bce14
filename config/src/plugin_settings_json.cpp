// Plugin settings as JSON. The JSON is turned into the same TOML tree a
// [plugins.<name>] table gives, so both forms share one set of rules.
#include "hookd/config/plugin_settings_json.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <limits>
#include <variant>

#include "diagnostics.hpp"
#include "schema.hpp"
#include "value_rules.hpp"

namespace hookd::config {
namespace {

namespace json = boost::json;
using detail::Diagnostics;

constexpr std::string_view kSource = "plugin settings";
constexpr std::size_t kMaxJsonBytes = 1024 * 1024;

int line_at(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  return 1 +
         static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

// One converted JSON value; a variant so the recursion needs no templates.
using Piece = std::variant<bool, std::int64_t, double, std::string, toml::array, toml::table>;

std::optional<Piece> convert(const json::value& value, const std::string& key, Diagnostics& diag);

bool convert_object(const json::object& object, const std::string& key, Diagnostics& diag, toml::table& out) {
  bool ok = true;
  for (const auto& [name, value] : object) {
    auto piece = convert(value, detail::join_key(key, std::string_view(name)), diag);
    if (!piece) {
      ok = false;
      continue;
    }
    std::visit(
        [&](auto&& node) {
          out.insert_or_assign(std::string_view(name), std::forward<decltype(node)>(node));
        },
        std::move(*piece));
  }
  return ok;
}

std::optional<Piece> convert(const json::value& value, const std::string& key, Diagnostics& diag) {
  switch (value.kind()) {
    case json::kind::null:
      diag.invalid(0, key, "null is not allowed; leave the key out instead");
      return std::nullopt;
    case json::kind::bool_:
      return value.get_bool();
    case json::kind::int64:
      return value.get_int64();
    case json::kind::uint64:
      if (value.get_uint64() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        diag.invalid(0, key, "number is too large");
        return std::nullopt;
      }
      return static_cast<std::int64_t>(value.get_uint64());
    case json::kind::double_:
      return value.get_double();
    case json::kind::string:
      return std::string(value.get_string());
    case json::kind::array: {
      toml::array array;
      bool ok = true;
      const auto& items = value.get_array();
      for (std::size_t i = 0; i < items.size(); ++i) {
        auto piece = convert(items[i], fmt::format("{}[{}]", key, i), diag);
        if (!piece) {
          ok = false;
          continue;
        }
        std::visit([&](auto&& node) { array.push_back(std::forward<decltype(node)>(node)); },
                   std::move(*piece));
      }
      if (!ok) return std::nullopt;
      return array;
    }
    case json::kind::object: {
      toml::table table;
      if (!convert_object(value.get_object(), key, diag, table)) return std::nullopt;
      return table;
    }
  }
  return std::nullopt;
}

json::value to_json(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table: {
      json::object object;
      for (const auto& [key, value] : *node.as_table()) object[key.str()] = to_json(value);
      return object;
    }
    case toml::node_type::array: {
      json::array array;
      for (const auto& value : *node.as_array()) array.push_back(to_json(value));
      return array;
    }
    case toml::node_type::string:
      return json::string(node.as_string()->get());
    case toml::node_type::integer:
      return node.as_integer()->get();
    case toml::node_type::floating_point:
      return node.as_floating_point()->get();
    case toml::node_type::boolean:
      return node.as_boolean()->get();
    default:
      return nullptr;  // the writers produce no dates
  }
}

}  // namespace

std::expected<PluginSettings, Errors> parse_plugin_settings_json(std::string_view text,
                                                                 std::string_view plugin_name) {
  Diagnostics diag{std::string(kSource)};
  if (text.size() > kMaxJsonBytes) {
    diag.invalid(0, "", fmt::format("must be at most {} bytes", kMaxJsonBytes));
    return std::unexpected(std::move(diag.errors()));
  }
  json::stream_parser parser;
  boost::system::error_code ec;
  const std::size_t consumed = parser.write_some(text.data(), text.size(), ec);
  if (!ec && consumed < text.size()) ec = json::error::extra_data;
  if (!ec) parser.finish(ec);
  if (ec) {
    diag.add(ConfigError::Kind::syntax, line_at(text, consumed), "",
             fmt::format("invalid JSON: {}", ec.message()));
    return std::unexpected(std::move(diag.errors()));
  }
  const json::value document = parser.release();
  if (!document.is_object()) {
    diag.invalid(1, "", "expected a JSON object");
    return std::unexpected(std::move(diag.errors()));
  }

  toml::table table;
  if (!convert_object(document.get_object(), "", diag, table)) {
    return std::unexpected(std::move(diag.errors()));
  }
  PluginSettings settings;
  detail::TableReader<PluginSettings>{detail::plugin_fields(), settings, diag, ""}.read(table);
  if (diag.count() != 0) return std::unexpected(std::move(diag.errors()));
  if (!plugin_name.empty() && settings.grants.kv && settings.grants.kv->namespace_name.empty()) {
    settings.grants.kv->namespace_name = std::string(plugin_name);
  }
  return settings;
}

std::string plugin_settings_to_json(const PluginSettings& settings) {
  toml::table table;
  detail::write_fields(detail::plugin_fields(), settings, table);
  return json::serialize(to_json(table));
}

}  // namespace hookd::config
