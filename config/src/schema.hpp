// The schema as data: one FieldSpec per setting, read by the TOML parser, the
// env and CLI layers, the JSON settings codec, validate() and to_toml(), so a
// setting's name, range and message are written down exactly once.
#pragma once

#include <toml++/toml.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "diagnostics.hpp"
#include "hookd/config/config.hpp"
#include "value_rules.hpp"

namespace hookd::config::detail {

/// How text from an env variable or flag is turned into a TOML value before
/// the field's own rule checks it.
enum class TextForm { integer, number, boolean, string, string_list };

template <class Target>
struct FieldSpec {
  std::string_view section;  // dotted table path below Target's root; "" for the root
  std::string_view key;
  TextForm text_form;
  /// Checks `node` and stores it in `target`, or reports through `ctx`.
  std::function<void(Target& target, const toml::node& node, FieldContext& ctx)> read;
  /// Stores the current value in `section_table` under `key` (nothing if unset).
  std::function<void(const Target& target, toml::table& section_table)> write;

  std::string dotted() const {
    return section.empty() ? std::string(key) : std::string(section) + "." + std::string(key);
  }
};

/// server, limits, engine, plugin_defaults, log, kv, kv.redis, fetch, cluster, signing.
const std::vector<FieldSpec<Config>>& config_fields();
/// A [plugins.<name>] table without "path": sha256, limits, config, grants.*.
const std::vector<FieldSpec<PluginSettings>>& plugin_fields();

/// A plugin's `formats` table (function_formats.cpp).
FieldSpec<PluginSettings> function_formats();

/// Turns env/flag text into the TOML value a field's rule expects; text that
/// does not fit stays a string so the rule reports it as `got "..."`.
toml::table text_as_value(TextForm form, std::string_view text);  // under key "value"

/// Writes every field into a nested table.
template <class Target>
void write_fields(const std::vector<FieldSpec<Target>>& fields, const Target& target, toml::table& root);

/// Walks a table against a field list, reporting unknown keys and wrong shapes.
template <class Target>
struct TableReader {
  const std::vector<FieldSpec<Target>>& fields;
  Target& target;
  Diagnostics& diag;
  std::string key_prefix;  // prepended to keys in messages, e.g. "plugins.echo"
  /// Keys of the root table handled by the caller ("path", "plugins"); true if handled.
  std::function<bool(std::string_view key, const toml::node& node)> extra = {};
  std::vector<std::string_view> extra_names = {};
  /// Called after a field was read without error.
  std::function<void(const FieldSpec<Target>& spec, const std::string& full_key, const toml::node& node)>
      on_read = {};

  void read(const toml::table& table, std::string_view section = {});
};

// ---------------------------------------------------------------------------

template <class Target>
void write_fields(const std::vector<FieldSpec<Target>>& fields, const Target& target, toml::table& root) {
  for (const auto& spec : fields) {
    toml::table* table = &root;
    std::string_view rest = spec.section;
    while (!rest.empty()) {
      const auto dot = rest.find('.');
      const std::string part(rest.substr(0, dot));
      rest = dot == std::string_view::npos ? std::string_view{} : rest.substr(dot + 1);
      if (!table->contains(part)) table->insert(part, toml::table{});
      table = table->get_as<toml::table>(part);
    }
    spec.write(target, *table);
  }
}

template <class Target>
void TableReader<Target>::read(const toml::table& table, std::string_view section) {
  std::string base = key_prefix;
  if (!section.empty()) base = base.empty() ? std::string(section) : fmt::format("{}.{}", base, section);
  auto full_key = [&](std::string_view key) { return join_key(base, key); };
  auto is_child_section = [&](std::string_view child) {
    for (const auto& spec : fields) {
      if (spec.section == child || spec.section.starts_with(std::string(child) + ".")) return true;
    }
    return false;
  };
  for (const auto& [toml_key, node] : table) {
    const std::string_view key = toml_key.str();
    if (section.empty() && extra && extra(key, node)) continue;

    const FieldSpec<Target>* match = nullptr;
    for (const auto& spec : fields) {
      if (spec.section == section && spec.key == key) match = &spec;
    }
    if (match) {
      FieldContext ctx{diag, full_key(key)};
      const auto before = diag.count();
      match->read(target, node, ctx);
      if (diag.count() == before && on_read) on_read(*match, ctx.key, node);
      continue;
    }

    const std::string child = section.empty() ? std::string(key) : fmt::format("{}.{}", section, key);
    if (is_child_section(child)) {
      if (const auto* sub = node.as_table()) {
        read(*sub, child);
      } else {
        diag.invalid(line_of(node), full_key(key), fmt::format("expected a table, got {}", describe(node)));
      }
      continue;
    }

    std::vector<std::string_view> known;
    for (const auto& spec : fields) {
      if (spec.section == section) {
        known.push_back(spec.key);
        continue;
      }
      std::string_view rest = spec.section;
      if (!section.empty()) {
        if (!rest.starts_with(section) || rest.size() <= section.size() || rest[section.size()] != '.')
          continue;
        rest.remove_prefix(section.size() + 1);
      }
      known.push_back(rest.substr(0, rest.find('.')));
    }
    if (section.empty()) known.insert(known.end(), extra_names.begin(), extra_names.end());
    std::string message = fmt::format("unknown key '{}'", full_key(key));
    if (auto hint = suggest(key, known)) message += fmt::format(" (did you mean '{}'?)", *hint);
    const int key_line = static_cast<int>(toml_key.source().begin.line);
    diag.add(ConfigError::Kind::unknown_key, key_line ? key_line : line_of(node), full_key(key),
             std::move(message));
  }
}

}  // namespace hookd::config::detail
