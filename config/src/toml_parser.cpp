// Reading the TOML file: the top-level sections through the field table, and
// the [plugins.<name>] tables, whose names and paths are specific to them.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

#include "diagnostics.hpp"
#include "routes.hpp"
#include "schema.hpp"
#include "value_rules.hpp"

namespace hookd::config {
namespace {

using detail::Diagnostics;
using detail::line_of;

constexpr std::uintmax_t kMaxFileBytes = 16 * 1024 * 1024;
constexpr std::uintmax_t kMaxSignatureFileBytes = 4096;

std::filesystem::path resolve(const std::string& text, const std::filesystem::path& base_dir) {
  std::filesystem::path path(text);
  if (path.is_relative() && !base_dir.empty()) path = base_dir / path;
  return path.lexically_normal();
}

// The text of a signature file as `hookd sign` writes it: one line of base64.
std::expected<std::string, std::string> read_signature_file(const std::filesystem::path& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return std::unexpected(fmt::format("cannot read \"{}\": {}", path.string(), ec.message()));
  if (size > kMaxSignatureFileBytes) {
    return std::unexpected(
        fmt::format("\"{}\" is larger than {} bytes; expected a signature from `hookd sign`", path.string(),
                    kMaxSignatureFileBytes));
  }
  std::ifstream file(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  if (!file && !file.eof()) return std::unexpected(fmt::format("cannot read \"{}\"", path.string()));
  const auto first = text.find_first_not_of(" \t\r\n");
  const auto last = text.find_last_not_of(" \t\r\n");
  text = first == std::string::npos ? std::string() : text.substr(first, last - first + 1);
  const bool one_word =
      !text.empty() && std::ranges::all_of(text, [](unsigned char c) { return c > 0x20 && c < 0x7f; });
  if (!one_word) {
    return std::unexpected(fmt::format(
        "\"{}\" does not hold a signature (one line of base64, as `hookd sign` writes)", path.string()));
  }
  return text;
}

void read_plugin(std::string_view name, const toml::node& node, const std::filesystem::path& base_dir,
                 Config& config, Diagnostics& diag) {
  const std::string key = detail::join_key("plugins", name);
  if (!detail::is_plugin_name(name)) {
    diag.invalid(line_of(node), key, "plugin names must be 1 to 64 of A-Z a-z 0-9 _ -");
    return;
  }
  const auto* table = node.as_table();
  if (!table) {
    diag.invalid(line_of(node), key, fmt::format("expected a table, got {}", detail::describe(node)));
    return;
  }
  const auto before = diag.count();
  PluginConfig plugin{std::string(name), {}, {}};
  bool has_path = false;
  std::optional<std::string> file_signature;  // from signature_file
  int signature_file_line = 0;
  detail::TableReader<PluginSettings> reader{detail::plugin_fields(), plugin.settings, diag, key};
  reader.extra_names = {"path", "signature_file"};
  reader.extra = [&](std::string_view field, const toml::node& value) {
    if (field != "path" && field != "signature_file") return false;
    const std::string field_key = key + "." + std::string(field);
    auto text = detail::read_string(value, 4096);
    if (text && text->empty()) text = std::unexpected(std::string("must not be empty"));
    if (!text) {
      diag.invalid(line_of(value), field_key, text.error());
      if (field == "path") has_path = true;
      return true;
    }
    if (field == "path") {
      has_path = true;
      plugin.path = resolve(*text, base_dir);
      return true;
    }
    signature_file_line = line_of(value);
    auto signature = read_signature_file(resolve(*text, base_dir));
    if (!signature) {
      diag.invalid(signature_file_line, field_key, signature.error());
    } else {
      file_signature = std::move(*signature);
    }
    return true;
  };
  reader.read(*table);
  if (!has_path) {
    diag.add(ConfigError::Kind::missing_key, line_of(node), key + ".path",
             "required: the plugin's .wasm file");
  }
  if (file_signature) {
    if (!plugin.settings.signature.empty()) {
      diag.add(ConfigError::Kind::conflict, signature_file_line, key + ".signature_file",
               "give signature or signature_file, not both");
    } else {
      plugin.settings.signature = std::move(*file_signature);
    }
  }
  if (diag.count() != before) return;
  if (plugin.settings.grants.kv && plugin.settings.grants.kv->namespace_name.empty()) {
    plugin.settings.grants.kv->namespace_name = plugin.name;
  }
  config.origins[key] = Origin{diag.source(), line_of(node), key};
  config.plugins.push_back(std::move(plugin));
}

void read_plugins(const toml::node& node, const std::filesystem::path& base_dir, Config& config,
                  Diagnostics& diag) {
  const auto* table = node.as_table();
  if (!table) {
    diag.invalid(line_of(node), "plugins", fmt::format("expected a table, got {}", detail::describe(node)));
    return;
  }
  for (const auto& [name, plugin] : *table) read_plugin(name.str(), plugin, base_dir, config, diag);
  std::ranges::sort(config.plugins, {}, &PluginConfig::name);
}

}  // namespace

Result parse_config(std::string_view toml_text, std::string_view source_name,
                    const std::filesystem::path& base_dir) {
  Diagnostics diag{std::string(source_name)};
  toml::table root;
#if TOML_EXCEPTIONS
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& error) {
    diag.add(ConfigError::Kind::syntax, static_cast<int>(error.source().begin.line), "",
             std::string(error.description()));
    return std::unexpected(std::move(diag.errors()));
  }
#else
  auto parsed = toml::parse(toml_text, source_name);
  if (!parsed) {
    diag.add(ConfigError::Kind::syntax, static_cast<int>(parsed.error().source().begin.line), "",
             std::string(parsed.error().description()));
    return std::unexpected(std::move(diag.errors()));
  }
  root = std::move(parsed).table();
#endif

  Config config = defaults();
  detail::TableReader<Config> reader{detail::config_fields(), config, diag, ""};
  reader.extra_names = {"plugins", "routes"};
  reader.extra = [&](std::string_view key, const toml::node& node) {
    if (key == "routes") {
      detail::FieldContext ctx{diag, "routes"};
      if (detail::read_routes(node, ctx, true, config.routes)) {
        config.origins["routes"] = Origin{diag.source(), line_of(node), "routes"};
      }
      return true;
    }
    if (key != "plugins") return false;
    read_plugins(node, base_dir, config, diag);
    return true;
  };
  reader.on_read = [&](const detail::FieldSpec<Config>& spec, const std::string& full_key,
                       const toml::node& node) {
    config.origins[spec.dotted()] = Origin{diag.source(), line_of(node), full_key};
  };
  reader.read(root);
  if (diag.count() != 0) {
    // Tables iterate in key order; an operator reads the file top to bottom.
    std::ranges::stable_sort(diag.errors(), {}, &ConfigError::line);
    return std::unexpected(std::move(diag.errors()));
  }
  return config;
}

Result load_config_file(const std::filesystem::path& path) {
  Diagnostics diag{path.string()};
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (!ec && size > kMaxFileBytes) {
    diag.add(ConfigError::Kind::io, 0, "", fmt::format("file is larger than {} bytes", kMaxFileBytes));
    return std::unexpected(std::move(diag.errors()));
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    diag.add(ConfigError::Kind::io, 0, "", fmt::format("cannot read: {}", std::strerror(errno)));
    return std::unexpected(std::move(diag.errors()));
  }
  std::ostringstream text;
  text << file.rdbuf();
  auto absolute = std::filesystem::absolute(path, ec);
  const auto base_dir = ec ? path.parent_path() : absolute.parent_path();
  return parse_config(text.str(), path.string(), base_dir);
}

}  // namespace hookd::config
