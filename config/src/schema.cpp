#include "schema.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <type_traits>

#include "routes.hpp"
#include "value_rules.hpp"

namespace hookd::config::detail {
namespace {

// Ranges used in more than one place.
constexpr IntRange kMemoryPages{1, 65'536};
constexpr IntRange kDeadlineMs{1, 600'000};
constexpr IntRange kConcurrency{1, 1'000'000};
constexpr IntRange kWorkerShare{1, 100};
constexpr IntRange kLogRate{1, 1'000'000};
constexpr IntRange kNetworkTimeoutMs{1, 600'000};
constexpr std::size_t kMaxPathLength = 4096;
constexpr std::size_t kMaxSecretLength = 1024;
constexpr std::size_t kMaxListItems = 1024;
constexpr std::size_t kMaxPluginConfigEntries = 1024;
constexpr std::size_t kMaxPluginConfigKey = 256;
constexpr std::size_t kMaxPluginConfigValue = 65'536;
// The exact form (88 base64 characters, or a manifest signature of at most
// signing::kMaxManifestSignatureChars) is checked when the module is loaded,
// which names the problem ("malformed signature"); this only bounds the text,
// as the signature file's size limit does.
constexpr std::size_t kMaxSignatureLength = 4096;

template <class T>
struct OptionalOf {
  using type = void;
};
template <class T>
struct OptionalOf<std::optional<T>> {
  using type = T;
};
template <class T>
constexpr bool kIsOptional = !std::is_void_v<typename OptionalOf<T>::type>;

template <class T>
T from_int(std::int64_t value) {
  if constexpr (std::is_same_v<T, milliseconds>) {
    return milliseconds{value};
  } else {
    return static_cast<T>(value);
  }
}

template <class T>
std::int64_t to_int(const T& value) {
  if constexpr (std::is_same_v<T, milliseconds>) {
    return value.count();
  } else {
    return static_cast<std::int64_t>(value);
  }
}

template <class Target, class Get>
FieldSpec<Target> integer(std::string_view section, std::string_view key, IntRange range, Get get) {
  return {section, key, TextForm::integer,
          [=](Target& target, const toml::node& node, FieldContext& ctx) {
            auto value = read_integer(node, range);
            if (!value) return ctx.fail(node, value.error());
            auto& field = get(target);
            using F = std::remove_cvref_t<decltype(field)>;
            if constexpr (kIsOptional<F>) {
              field = from_int<typename OptionalOf<F>::type>(*value);
            } else {
              field = from_int<F>(*value);
            }
          },
          [=](const Target& target, toml::table& out) {
            const auto& field = get(target);
            using F = std::remove_cvref_t<decltype(field)>;
            if constexpr (kIsOptional<F>) {
              if (field) out.insert_or_assign(key, to_int(*field));
            } else {
              out.insert_or_assign(key, to_int(field));
            }
          }};
}

template <class Target, class Get>
FieldSpec<Target> boolean(std::string_view section, std::string_view key, Get get) {
  return {section, key, TextForm::boolean,
          [=](Target& target, const toml::node& node, FieldContext& ctx) {
            auto value = read_bool(node);
            if (!value) return ctx.fail(node, value.error());
            get(target) = *value;
          },
          [=](const Target& target, toml::table& out) { out.insert_or_assign(key, get(target)); }};
}

using StringCheck = std::expected<std::string, std::string> (*)(std::string);

template <class Target, class Get>
FieldSpec<Target> string(std::string_view section, std::string_view key, std::size_t max_length, Get get,
                         StringCheck check = nullptr) {
  return {section, key, TextForm::string,
          [=](Target& target, const toml::node& node, FieldContext& ctx) {
            auto value = read_string(node, max_length);
            if (value && check) value = check(std::move(*value));
            if (!value) return ctx.fail(node, value.error());
            get(target) = std::move(*value);
          },
          [=](const Target& target, toml::table& out) {
            const auto& field = get(target);
            if constexpr (std::is_same_v<std::remove_cvref_t<decltype(field)>, std::filesystem::path>) {
              out.insert_or_assign(key, field.string());
            } else {
              out.insert_or_assign(key, field);
            }
          }};
}

/// A string that written settings leave out while it is empty.
template <class Target, class Get>
FieldSpec<Target> optional_string(std::string_view section, std::string_view key, std::size_t max_length,
                                  Get get, StringCheck check) {
  FieldSpec<Target> spec = string<Target>(section, key, max_length, get, check);
  spec.write = [=](const Target& target, toml::table& out) {
    if (!get(target).empty()) out.insert_or_assign(key, get(target));
  };
  return spec;
}

template <class Target, class E, std::size_t N, class Get>
FieldSpec<Target> choice(std::string_view section, std::string_view key, const std::array<Named<E>, N>& names,
                         Get get) {
  return {section, key, TextForm::string,
          [=, &names](Target& target, const toml::node& node, FieldContext& ctx) {
            auto value = read_choice(node, names);
            if (!value) return ctx.fail(node, value.error());
            get(target) = *value;
          },
          [=, &names](const Target& target, toml::table& out) {
            out.insert_or_assign(key, std::string(name_of(names, get(target))));
          }};
}

template <class Target, class Get>
FieldSpec<Target> address(std::string_view section, std::string_view key, HostRule rule, bool allow_port_zero,
                          Get get) {
  return {
      section, key, TextForm::string,
      [=](Target& target, const toml::node& node, FieldContext& ctx) {
        const auto* text = node.as_string();
        if (!text)
          return ctx.fail(node, fmt::format("expected a \"host:port\" string, got {}", describe(node)));
        auto value = parse_host_port(text->get(), rule, allow_port_zero);
        if (!value) return ctx.fail(node, value.error());
        get(target) = std::move(*value);
      },
      [=](const Target& target, toml::table& out) { out.insert_or_assign(key, get(target).to_string()); }};
}

/// An array of strings, each parsed by Item::parse; every bad item is reported.
template <class Target, class Get>
FieldSpec<Target> parsed_list(std::string_view section, std::string_view key, Get get) {
  return {section, key, TextForm::string_list,
          [=](Target& target, const toml::node& node, FieldContext& ctx) {
            const auto* array = node.as_array();
            if (!array)
              return ctx.fail(node, fmt::format("expected an array of strings, got {}", describe(node)));
            if (array->size() > kMaxListItems) {
              return ctx.fail(node, fmt::format("at most {} entries are allowed", kMaxListItems));
            }
            using Item = typename std::remove_cvref_t<decltype(get(target))>::value_type;
            std::vector<Item> items;
            bool ok = true;
            for (std::size_t i = 0; i < array->size(); ++i) {
              const toml::node& element = *array->get(i);
              const int line = line_of(element) ? line_of(element) : line_of(node);
              const auto* text = element.as_string();
              if (!text) {
                ctx.diag.invalid(
                    line, ctx.key,
                    fmt::format("entry {}: expected a string, got {}", i + 1, describe(element)));
                ok = false;
                continue;
              }
              auto item = Item::parse(text->get());
              if (!item) {
                ctx.diag.invalid(line, ctx.key, fmt::format("entry {}: {}", i + 1, item.error()));
                ok = false;
                continue;
              }
              items.push_back(std::move(*item));
            }
            if (ok) get(target) = std::move(items);
          },
          [=](const Target& target, toml::table& out) {
            toml::array array;
            for (const auto& item : get(target)) array.push_back(item.to_string());
            out.insert_or_assign(key, std::move(array));
          }};
}

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

std::expected<std::string, std::string> check_token(std::string text) {
  const bool printable = std::ranges::all_of(text, [](unsigned char c) { return c > 0x20 && c < 0x7f; });
  if (!printable) return std::unexpected(std::string("must be printable ASCII without spaces"));
  return text;
}

// Empty (derived at start-up), or 1-128 of A-Z a-z 0-9 _ . : -.
std::expected<std::string, std::string> check_node_id(std::string text) {
  const bool ok = std::ranges::all_of(text, [](unsigned char c) {
    return std::isalnum(c) != 0 || c == '_' || c == '.' || c == ':' || c == '-';
  });
  if (!ok) return std::unexpected(std::string("must be made of A-Z a-z 0-9 _ . : -"));
  return text;
}

std::expected<std::string, std::string> check_key_prefix(std::string text) {
  if (text.empty()) return std::unexpected(std::string("must not be empty"));
  return check_token(std::move(text));
}

std::expected<std::string, std::string> check_not_empty(std::string text) {
  if (text.empty()) return std::unexpected(std::string("must not be empty"));
  return text;
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

const std::vector<FieldSpec<Config>>& config_fields() {
  using C = Config;
  static const std::vector<FieldSpec<Config>> fields{
      address<C>(
          "server", "listen", HostRule::ip_literal, true, [](auto& c) -> auto& { return c.server.listen; }),
      address<C>(
          "server", "admin_listen", HostRule::ip_literal, true,
          [](auto& c) -> auto& { return c.server.admin_listen; }),
      integer<C>(
          "server", "workers", {0, 256}, [](auto& c) -> auto& { return c.server.workers; }),
      string<C>(
          "server", "data_dir", kMaxPathLength, [](auto& c) -> auto& { return c.server.data_dir; },
          check_not_empty),
      string<C>(
          "server", "admin_token", kMaxSecretLength, [](auto& c) -> auto& { return c.server.admin_token; },
          check_token),
      parsed_list<C>(
          "server", "trusted_proxies", [](auto& c) -> auto& { return c.server.trusted_proxies; }),
      integer<C>(
          "server", "drain_quiet_ms", {0, 600'000}, [](auto& c) -> auto& { return c.server.drain_quiet; }),
      integer<C>(
          "server", "drain_accept_max_ms", {0, 3'600'000},
          [](auto& c) -> auto& { return c.server.drain_accept_max; }),
      integer<C>(
          "server", "drain_timeout_ms", {0, 3'600'000},
          [](auto& c) -> auto& { return c.server.drain_timeout; }),
      boolean<C>(
          "server", "load_example_plugins", [](auto& c) -> auto& { return c.server.load_example_plugins; }),
      boolean<C>(
          "server", "public_metrics", [](auto& c) -> auto& { return c.server.public_metrics; }),
      boolean<C>(
          "server", "public_plugin_list", [](auto& c) -> auto& { return c.server.public_plugin_list; }),

      integer<C>(
          "limits", "max_header_bytes", {512, 1'048'576},
          [](auto& c) -> auto& { return c.limits.max_header_bytes; }),
      integer<C>(
          "limits", "max_header_fields", {1, 10'000},
          [](auto& c) -> auto& { return c.limits.max_header_fields; }),
      integer<C>(
          "limits", "max_body_bytes", {0, 4'294'967'296},
          [](auto& c) -> auto& { return c.limits.max_body_bytes; }),
      integer<C>(
          "limits", "max_connections", {1, 1'000'000},
          [](auto& c) -> auto& { return c.limits.max_connections; }),
      integer<C>(
          "limits", "read_timeout_ms", {1, 3'600'000},
          [](auto& c) -> auto& { return c.limits.read_timeout; }),
      integer<C>(
          "limits", "idle_timeout_ms", {1, 86'400'000},
          [](auto& c) -> auto& { return c.limits.idle_timeout; }),
      integer<C>(
          "limits", "queue_depth", {1, 1'000'000}, [](auto& c) -> auto& { return c.limits.queue_depth; }),
      integer<C>(
          "limits", "blocking_threads", {1, 256}, [](auto& c) -> auto& { return c.limits.blocking_threads; }),
      integer<C>(
          "limits", "ws_max_message_bytes", {1, 1'073'741'824},
          [](auto& c) -> auto& { return c.limits.ws_max_message_bytes; }),
      integer<C>(
          "limits", "ws_idle_timeout_ms", {1, 86'400'000},
          [](auto& c) -> auto& { return c.limits.ws_idle_timeout; }),
      integer<C>(
          "limits", "ws_ping_interval_ms", {0, 3'600'000},
          [](auto& c) -> auto& { return c.limits.ws_ping_interval; }),
      boolean<C>(
          "limits", "ws_permessage_deflate", [](auto& c) -> auto& { return c.limits.ws_permessage_deflate; }),
      integer<C>(
          "limits", "admin_max_connections", {1, 100'000},
          [](auto& c) -> auto& { return c.limits.admin_max_connections; }),
      integer<C>(
          "limits", "write_timeout_ms", {1, 3'600'000},
          [](auto& c) -> auto& { return c.limits.write_timeout; }),
      integer<C>(
          "limits", "max_response_bytes", {1024, 1'073'741'824},
          [](auto& c) -> auto& { return c.limits.max_response_bytes; }),
      integer<C>(
          "limits", "max_buffered_response_bytes", {1024, 68'719'476'736},
          [](auto& c) -> auto& { return c.limits.max_buffered_response_bytes; }),
      integer<C>(
          "limits", "max_buffered_request_bytes", {1024, 68'719'476'736},
          [](auto& c) -> auto& { return c.limits.max_buffered_request_bytes; }),
      integer<C>(
          "limits", "max_module_bytes", {1024, 1'073'741'824},
          [](auto& c) -> auto& { return c.limits.max_module_bytes; }),
      integer<C>(
          "limits", "isolate_heap_mb", {16, 65'536},
          [](auto& c) -> auto& { return c.limits.isolate_heap_mb; }),
      integer<C>(
          "limits", "max_routes", {1, static_cast<std::int64_t>(kMaxRoutesListed)},
          [](auto& c) -> auto& { return c.limits.max_routes; }),

      choice<C>(
          "engine", "compile", kEngineCompiles, [](auto& c) -> auto& { return c.engine.compile; }),

      integer<C>(
          "plugin_defaults", "max_memory_pages", kMemoryPages,
          [](auto& c) -> auto& { return c.plugin_defaults.max_memory_pages; }),
      integer<C>(
          "plugin_defaults", "deadline_ms", kDeadlineMs,
          [](auto& c) -> auto& { return c.plugin_defaults.deadline; }),
      integer<C>(
          "plugin_defaults", "max_concurrency", kConcurrency,
          [](auto& c) -> auto& { return c.plugin_defaults.max_concurrency; }),
      integer<C>(
          "plugin_defaults", "max_worker_share", kWorkerShare,
          [](auto& c) -> auto& { return c.plugin_defaults.max_worker_share; }),

      choice<C>(
          "log", "level", kLogLevels, [](auto& c) -> auto& { return c.log.level; }),
      choice<C>(
          "log", "format", kLogFormats, [](auto& c) -> auto& { return c.log.format; }),
      boolean<C>(
          "log", "access_log", [](auto& c) -> auto& { return c.log.access_log; }),
      string<C>(
          "log", "access_log_file", kMaxPathLength, [](auto& c) -> auto& { return c.log.access_log_file; }),
      integer<C>(
          "log", "access_log_flush_ms", {1, 60'000},
          [](auto& c) -> auto& { return c.log.access_log_flush_interval; }),

      choice<C>(
          "kv", "backend", kKvBackends, [](auto& c) -> auto& { return c.kv.backend; }),
      integer<C>(
          "kv", "map_size_mb", {1, 1'048'576}, [](auto& c) -> auto& { return c.kv.map_size_mb; }),
      integer<C>(
          "kv", "read_cache_kb", {0, 1'048'576}, [](auto& c) -> auto& { return c.kv.read_cache_kb; }),
      integer<C>(
          "kv", "namespace_max_bytes", {1, 1'099'511'627'776},
          [](auto& c) -> auto& { return c.kv.namespace_max_bytes; }),
      integer<C>(
          "kv", "namespace_max_keys", {1, 1'000'000'000},
          [](auto& c) -> auto& { return c.kv.namespace_max_keys; }),
      address<C>(
          "kv.redis", "address", HostRule::ip_or_domain, false,
          [](auto& c) -> auto& { return c.kv.redis.address; }),
      string<C>(
          "kv.redis", "password", kMaxSecretLength, [](auto& c) -> auto& { return c.kv.redis.password; }),
      integer<C>(
          "kv.redis", "database", {0, 65'535}, [](auto& c) -> auto& { return c.kv.redis.database; }),
      integer<C>(
          "kv.redis", "connect_timeout_ms", kNetworkTimeoutMs,
          [](auto& c) -> auto& { return c.kv.redis.connect_timeout; }),
      integer<C>(
          "kv.redis", "command_timeout_ms", kNetworkTimeoutMs,
          [](auto& c) -> auto& { return c.kv.redis.command_timeout; }),
      integer<C>(
          "kv.redis", "pool_size", {1, 1024}, [](auto& c) -> auto& { return c.kv.redis.pool_size; }),

      string<C>(
          "fetch", "extra_ca_file", kMaxPathLength, [](auto& c) -> auto& { return c.fetch.extra_ca_file; }),
      integer<C>(
          "fetch", "connect_timeout_ms", kNetworkTimeoutMs,
          [](auto& c) -> auto& { return c.fetch.connect_timeout; }),
      integer<C>(
          "fetch", "total_timeout_ms", {1, 3'600'000},
          [](auto& c) -> auto& { return c.fetch.total_timeout; }),
      integer<C>(
          "fetch", "max_response_bytes", {1, 1'073'741'824},
          [](auto& c) -> auto& { return c.fetch.max_response_bytes; }),
      integer<C>(
          "fetch", "max_redirects", {0, 20}, [](auto& c) -> auto& { return c.fetch.max_redirects; }),

      boolean<C>(
          "cluster", "enabled", [](auto& c) -> auto& { return c.cluster.enabled; }),
      string<C>(
          "cluster", "node_id", 128, [](auto& c) -> auto& { return c.cluster.node_id; }, check_node_id),
      string<C>(
          "cluster", "advertise", 256, [](auto& c) -> auto& { return c.cluster.advertise; }, check_token),
      string<C>(
          "cluster", "key_prefix", 128, [](auto& c) -> auto& { return c.cluster.key_prefix; },
          check_key_prefix),
      integer<C>(
          "cluster", "heartbeat_ms", {10, 600'000},
          [](auto& c) -> auto& { return c.cluster.heartbeat_interval; }),
      integer<C>(
          "cluster", "node_ttl_ms", {20, 3'600'000}, [](auto& c) -> auto& { return c.cluster.node_ttl; }),
      integer<C>(
          "cluster", "log_max_entries", {10, 10'000'000},
          [](auto& c) -> auto& { return c.cluster.log_max_entries; }),
      integer<C>(
          "cluster", "sync_timeout_ms", {1, 3'600'000},
          [](auto& c) -> auto& { return c.cluster.sync_timeout; }),

      parsed_list<C>(
          "signing", "trusted_keys", [](auto& c) -> auto& { return c.signing.trusted_keys; }),
      boolean<C>(
          "signing", "require_signature", [](auto& c) -> auto& { return c.signing.require_signature; }),
  };
  return fields;
}

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

toml::table text_as_value(TextForm form, std::string_view text) {
  toml::table holder;
  switch (form) {
    case TextForm::integer: {
      std::int64_t value = 0;
      const auto* end = text.data() + text.size();
      auto [ptr, ec] = std::from_chars(text.data(), end, value);
      if (!text.empty() && ec == std::errc{} && ptr == end) {
        holder.insert("value", value);
        return holder;
      }
      break;
    }
    case TextForm::boolean:
      if (text == "true" || text == "false") {
        holder.insert("value", text == "true");
        return holder;
      }
      break;
    case TextForm::string_list: {
      toml::array items;
      std::size_t start = 0;
      while (start <= text.size()) {
        auto end = text.find(',', start);
        if (end == std::string_view::npos) end = text.size();
        auto item = text.substr(start, end - start);
        while (!item.empty() && std::isspace(static_cast<unsigned char>(item.front()))) item.remove_prefix(1);
        while (!item.empty() && std::isspace(static_cast<unsigned char>(item.back()))) item.remove_suffix(1);
        if (!item.empty()) items.push_back(std::string(item));
        start = end + 1;
      }
      holder.insert("value", std::move(items));
      return holder;
    }
    case TextForm::string:
      break;
  }
  holder.insert("value", std::string(text));
  return holder;
}

}  // namespace hookd::config::detail
