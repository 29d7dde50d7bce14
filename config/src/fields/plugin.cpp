// A [plugins.<name>] table without "path" (and a plugin's settings in the
// admin API): its hash and signature, limits, config values, grants,
// declared functions, formats and routes.
#include <map>

#include "fields/kinds.hpp"
#include "fields/ranges.hpp"
#include "fields/string_checks.hpp"
#include "routes.hpp"

namespace hookd::config::detail {

namespace {

constexpr IntRange kLogRate{1, 1'000'000};
constexpr std::size_t kMaxPluginConfigEntries = 1024;
constexpr std::size_t kMaxPluginConfigKey = 256;
constexpr std::size_t kMaxPluginConfigValue = 65'536;
// The exact form (88 base64 characters, or a manifest signature of at most
// signing::kMaxManifestSignatureChars) is checked when the module is loaded,
// which names the problem ("malformed signature"); this only bounds the text,
// as the signature file's size limit does.
constexpr std::size_t kMaxSignatureLength = 4096;

/// `functions`: a list written only when it has entries, so the settings of
/// plugins that need none (every ABI but waPC) read as before.
FieldSpec<PluginSettings> declared_functions() {
  auto spec = parsed_list<PluginSettings>(
      "", "functions", [](auto& p) -> auto& { return p.functions; });
  spec.write = [](const PluginSettings& p, toml::table& out) {
    if (p.functions.empty()) return;
    toml::array array;
    for (const auto& f : p.functions) array.push_back(f.to_string());
    out.insert_or_assign("functions", std::move(array));
  };
  return spec;
}

std::expected<std::string, std::string> check_optional_sha256(std::string text) {
  if (text.empty()) return text;
  return check_sha256(std::move(text));
}

std::expected<std::string, std::string> check_namespace(std::string text) {
  if (!is_plugin_name(text)) {
    return std::unexpected(fmt::format("expected 1 to 64 of A-Z a-z 0-9 _ -, got \"{}\"", text));
  }
  return text;
}

std::optional<std::string> scalar_as_text(const toml::node& node) {
  if (const auto* s = node.as_string()) return s->get();
  if (const auto* i = node.as_integer()) return std::to_string(i->get());
  if (const auto* f = node.as_floating_point()) return fmt::format("{}", f->get());
  if (const auto* b = node.as_boolean()) return b->get() ? "true" : "false";
  return std::nullopt;
}

FieldSpec<PluginSettings> plugin_config_map() {
  return {"", "config", TextForm::string,
          [](PluginSettings& target, const toml::node& node, FieldContext& ctx) {
            const auto* table = node.as_table();
            if (!table)
              return ctx.fail(node, fmt::format("expected a table of strings, got {}", describe(node)));
            if (table->size() > kMaxPluginConfigEntries) {
              return ctx.fail(node, fmt::format("at most {} entries are allowed", kMaxPluginConfigEntries));
            }
            std::map<std::string, std::string> values;
            bool ok = true;
            for (const auto& [key, value] : *table) {
              const std::string full = join_key(ctx.key, key.str());
              const int line = line_of(value) ? line_of(value) : line_of(node);
              auto text = scalar_as_text(value);
              if (key.str().size() > kMaxPluginConfigKey) {
                ctx.diag.invalid(line, full,
                                 fmt::format("key must be at most {} bytes long", kMaxPluginConfigKey));
                ok = false;
              } else if (!text) {
                ctx.diag.invalid(
                    line, full, fmt::format("expected a string, number or boolean, got {}", describe(value)));
                ok = false;
              } else if (text->size() > kMaxPluginConfigValue) {
                ctx.diag.invalid(line, full,
                                 fmt::format("must be at most {} bytes long", kMaxPluginConfigValue));
                ok = false;
              } else {
                values.emplace(std::string(key.str()), std::move(*text));
              }
            }
            if (ok) target.config = std::move(values);
          },
          [](const PluginSettings& target, toml::table& out) {
            toml::table table;
            for (const auto& [key, value] : target.config) table.insert(key, value);
            out.insert_or_assign("config", std::move(table));
          }};
}

const std::vector<FieldSpec<KvGrant>>& kv_grant_fields() {
  static const std::vector<FieldSpec<KvGrant>> fields{
      string<KvGrant>(
          "", "namespace", 64, [](auto& g) -> auto& { return g.namespace_name; }, check_namespace),
      choice<KvGrant>(
          "", "mode", kKvModes, [](auto& g) -> auto& { return g.mode; }),
  };
  return fields;
}

FieldSpec<PluginSettings> kv_grant() {
  return {"grants", "kv", TextForm::string,
          [](PluginSettings& target, const toml::node& node, FieldContext& ctx) {
            const auto* table = node.as_table();
            if (!table) {
              return ctx.fail(
                  node,
                  fmt::format("expected a table such as {{ namespace = \"name\", mode = \"rw\" }}, got {}",
                              describe(node)));
            }
            KvGrant grant;
            const auto before = ctx.diag.count();
            TableReader<KvGrant>{kv_grant_fields(), grant, ctx.diag, ctx.key}.read(*table);
            if (ctx.diag.count() == before) target.grants.kv = std::move(grant);
          },
          [](const PluginSettings& target, toml::table& out) {
            if (!target.grants.kv) return;
            toml::table table;
            if (!target.grants.kv->namespace_name.empty())
              table.insert("namespace", target.grants.kv->namespace_name);
            table.insert("mode", std::string(to_string(target.grants.kv->mode)));
            out.insert_or_assign("kv", std::move(table));
          }};
}

}  // namespace

const std::vector<FieldSpec<PluginSettings>>& plugin_fields() {
  using P = PluginSettings;
  static const std::vector<FieldSpec<PluginSettings>> fields{
      string<P>(
          "", "sha256", 64, [](auto& p) -> auto& { return p.sha256; }, check_optional_sha256),
      integer<P>(
          "", "max_memory_pages", kMemoryPages, [](auto& p) -> auto& { return p.limits.max_memory_pages; }),
      integer<P>(
          "", "deadline_ms", kDeadlineMs, [](auto& p) -> auto& { return p.limits.deadline; }),
      integer<P>(
          "", "max_concurrency", kConcurrency, [](auto& p) -> auto& { return p.limits.max_concurrency; }),
      integer<P>(
          "", "max_worker_share", kWorkerShare, [](auto& p) -> auto& { return p.limits.max_worker_share; }),
      plugin_config_map(),
      kv_grant(),
      parsed_list<P>(
          "grants", "fetch", [](auto& p) -> auto& { return p.grants.fetch; }),
      boolean<P>(
          "grants", "config", [](auto& p) -> auto& { return p.grants.config; }),
      boolean<P>(
          "grants", "crypto", [](auto& p) -> auto& { return p.grants.crypto; }),
      choice<P>(
          "grants", "log_level", kLogLevels, [](auto& p) -> auto& { return p.grants.log_level; }),
      integer<P>(
          "grants", "log_rate_per_sec", kLogRate, [](auto& p) -> auto& { return p.grants.log_rate_per_sec; }),
      optional_string<P>(
          "", "signature", kMaxSignatureLength, [](auto& p) -> auto& { return p.signature; }, check_token),
      declared_functions(),
      function_formats(),
      plugin_routes(),
  };
  return fields;
}

}  // namespace hookd::config::detail
