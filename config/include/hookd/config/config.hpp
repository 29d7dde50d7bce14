// hookd's configuration: the schema as plain structs and the functions that
// build it from a TOML file, the environment (HOOKD_*) and command-line flags,
// in that order of increasing precedence.
//
// Error policy: nothing here throws out of the public API. Every problem found
// is collected as a ConfigError naming the source, line and key, so an operator
// sees all mistakes in one run instead of fixing them one at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hookd/config/address.hpp"

namespace hookd::config {

using std::chrono::milliseconds;

enum class LogLevel { trace, debug, info, warn, error, off };
enum class LogFormat { text, json };
enum class KvBackend { lmdb, redis, memory };
enum class KvMode { read, read_write };  // "r", "rw"
enum class EngineCompile { tiered, optimized };

std::string_view to_string(LogLevel level);
std::string_view to_string(LogFormat format);
std::string_view to_string(KvBackend backend);
std::string_view to_string(KvMode mode);
std::string_view to_string(EngineCompile compile);

struct ServerConfig {
  HostPort listen{"127.0.0.1", 8080};
  HostPort admin_listen{"127.0.0.1", 9090};
  unsigned workers = 0;  // 0: one per core, see effective_workers()
  std::filesystem::path data_dir = "./data";
  std::string admin_token;  // empty: the server generates one at start
  std::vector<IpNetwork> trusted_proxies;
  // Stopping (SIGTERM): first leave the load balancer (/readyz 503, every
  // response closes its connection) while still accepting, until no new
  // connection arrived for drain_quiet (at most drain_accept_max); then close
  // the listeners and give in-flight requests drain_timeout to finish.
  milliseconds drain_quiet{1'000};
  milliseconds drain_accept_max{10'000};
  milliseconds drain_timeout{10'000};
  bool load_example_plugins = true;  // used only when no plugin is configured
  // /metrics and the plugin list (hashes, memory, counts) are served on the
  // admin listener; these also serve them on the public one.
  bool public_metrics = false;
  bool public_plugin_list = false;
  // Versions of each uploaded plugin kept for rollback (docs/releases.md),
  // the serving one included: 1 to 100.
  std::uint32_t keep_versions = 5;
  // Canary releases (docs/releases.md): honour X-Hookd-Version on a call
  // (canary, stable or a serving version's number), for testing a canary
  // directly; and name the upload version that served in each call's
  // response (X-Hookd-Version).
  bool version_override = false;
  bool version_header = false;

  bool operator==(const ServerConfig&) const = default;
};

/// Resolves workers = 0 to the number of cores (at least 1).
unsigned effective_workers(const ServerConfig& server);

struct LimitsConfig {
  std::uint64_t max_header_bytes = 8192;
  std::uint32_t max_header_fields = 100;  // header fields of one request (431 beyond)
  std::uint64_t max_body_bytes = 1'048'576;
  std::uint32_t max_connections = 10'000;
  milliseconds read_timeout{30'000};
  milliseconds idle_timeout{60'000};
  std::uint32_t queue_depth = 1024;    // calls waiting for the blocking lane, all threads together
  std::uint32_t blocking_threads = 8;  // the blocking lane: calls that may wait on the network
  std::uint64_t ws_max_message_bytes = 1'048'576;
  milliseconds ws_idle_timeout{60'000};
  milliseconds ws_ping_interval{20'000};  // 0 disables pings
  bool ws_permessage_deflate = false;
  // Hardening (see docs/security.md).
  std::uint32_t admin_max_connections = 64;
  milliseconds write_timeout{30'000};             // a client that does not read its response is cut off
  std::uint64_t max_response_bytes = 16'777'216;  // one response (plugin output)
  std::uint64_t max_buffered_response_bytes = 268'435'456;  // all responses being written, all workers
  std::uint64_t max_buffered_request_bytes = 268'435'456;   // all bodies and messages being received
  std::uint64_t max_module_bytes = 67'108'864;              // a plugin's .wasm
  std::uint64_t isolate_heap_mb = 512;                      // engine heap per worker isolate
  // Routes of the whole gateway: [[routes]] plus every plugin's settings.
  std::uint32_t max_routes = 4096;

  bool operator==(const LimitsConfig&) const = default;
};

/// The wasm engine, process-wide (docs/benchmarks.md, "Compile tiers").
struct EngineConfig {
  // tiered: baseline code at load (fast loads and hot swaps), then every
  // function recompiled by the optimising compiler in the background while
  // the module serves. optimized: every function optimised before a module serves
  // (no baseline code ever runs; loads and swaps take about 10x longer).
  EngineCompile compile = EngineCompile::tiered;

  bool operator==(const EngineConfig&) const = default;
};

/// Resource limits of one plugin instance.
struct PluginLimits {
  std::uint32_t max_memory_pages = 256;  // 64 KiB wasm pages
  milliseconds deadline{1000};
  std::uint32_t max_concurrency = 64;  // across all workers
  // Percent of the workers one plugin's calls may occupy at once (1..100).
  std::uint32_t max_worker_share = 50;

  bool operator==(const PluginLimits&) const = default;
};

/// A plugin's own limits; unset fields fall back to [plugin_defaults], so a
/// later change of the defaults reaches every plugin that did not override it.
struct PluginLimitOverrides {
  std::optional<std::uint32_t> max_memory_pages;
  std::optional<milliseconds> deadline;
  std::optional<std::uint32_t> max_concurrency;
  std::optional<std::uint32_t> max_worker_share;

  PluginLimits resolve(const PluginLimits& defaults) const;
  bool operator==(const PluginLimitOverrides&) const = default;
};

struct KvGrant {
  std::string namespace_name;  // empty means "the plugin's own name"
  KvMode mode = KvMode::read;

  bool operator==(const KvGrant&) const = default;
};

/// What host functions a plugin may call. Everything is denied unless granted,
/// reading its own config values included (they may hold secrets meant for
/// another version of the plugin, or nothing it should see).
struct PluginGrants {
  std::optional<KvGrant> kv;        // absent: no KV access
  std::vector<FetchPattern> fetch;  // empty: no outbound requests
  bool config = false;
  bool crypto = false;                  // hookd.crypto.*: SHA-256, HMAC-SHA256, constant-time compare
  LogLevel log_level = LogLevel::info;  // most verbose level the plugin may use
  std::uint32_t log_rate_per_sec = 100;

  bool operator==(const PluginGrants&) const = default;
};

/// A function a plugin's settings declare: waPC plugins carry no list of
/// their operations, so their settings name them (docs/abi.md, "waPC
/// plugins"). 1 to 128 of A-Z a-z 0-9 _ . -, as native function names.
struct FunctionName {
  std::string name;

  static std::expected<FunctionName, std::string> parse(std::string_view text);
  [[nodiscard]] std::string to_string() const { return name; }
  bool operator==(const FunctionName&) const = default;
};

/// The payload format of a function (docs/abi.md): what the gateway turns a
/// JSON request into and the output back from, as for a native plugin's
/// function that declares it. bytes: no transcoding.
enum class PayloadFormat { bytes, msgpack, json, text };

/// A route: requests matching a method, host and path pattern call a
/// plugin function (docs/configuration.md, "Routes"). Here only the shape
/// is checked (method names, lengths, a path that starts with '/'); the
/// pattern itself, the function and conflicts are checked when the route
/// table is built from every route, against the loaded plugins.
struct RouteConfig {
  std::string plugin;                // [[routes]] only; a plugin's own routes leave it empty
  std::vector<std::string> methods;  // GET HEAD POST PUT DELETE PATCH OPTIONS; empty: any
  std::string path;                  // "/r/{code}", "/static/*"
  std::string host;                  // empty: any host
  std::string function;

  bool operator==(const RouteConfig&) const = default;
};

/// The settings of a plugin that travel with it: from [plugins.<name>] in the
/// file, or as JSON next to an upload on the admin API.
struct PluginSettings {
  std::string sha256;  // empty, or 64 lower-case hex digits
  PluginLimitOverrides limits;
  std::map<std::string, std::string> config;
  PluginGrants grants;
  // Base64 Ed25519 signature of the module by a [signing] trusted key
  // (docs/security/signing.md); empty: unsigned. In a file, `signature_file`
  // names a file holding it instead (as `hookd sign` writes).
  std::string signature;
  // The plugin's functions, for ABIs whose modules do not list them (waPC);
  // ignored for the others. Empty: none declared.
  std::vector<FunctionName> functions;
  // The formats of functions whose ABI does not declare them (Extism, waPC),
  // by function name (1 to 128 of A-Z a-z 0-9 _ . -); a function not named
  // takes and returns bytes. Names the plugin lacks fail its load.
  std::map<std::string, PayloadFormat> formats;
  // Routes to this plugin's functions; they come, change and go with it.
  std::vector<RouteConfig> routes;

  bool operator==(const PluginSettings&) const = default;
};

struct PluginConfig {
  std::string name;            // [A-Za-z0-9_-]{1,64}
  std::filesystem::path path;  // absolute when loaded from a file
  PluginSettings settings;

  bool operator==(const PluginConfig&) const = default;
};

struct LogConfig {
  LogLevel level = LogLevel::info;
  LogFormat format = LogFormat::text;
  bool access_log = true;
  // Where access log lines go: empty for standard output, else a file
  // (appended to; reopened on SIGHUP, for logrotate).
  std::string access_log_file;
  // Lines are written in batches: when a worker's buffer passes 64 KiB, and
  // at least this often.
  milliseconds access_log_flush_interval{200};
  // A WebSocket session gets one access log line when it ends (its counts,
  // bytes and how it closed); with this on, every message gets its own line
  // as well.
  bool websocket_messages = false;

  bool operator==(const LogConfig&) const = default;
};

struct RedisConfig {
  HostPort address{"127.0.0.1", 6379};
  std::string password;
  std::uint32_t database = 0;
  milliseconds connect_timeout{1000};
  milliseconds command_timeout{1000};
  std::uint32_t pool_size = 8;

  bool operator==(const RedisConfig&) const = default;
};

struct KvConfig {
  KvBackend backend = KvBackend::lmdb;
  std::uint64_t map_size_mb = 1024;
  std::uint64_t read_cache_kb = 1024;  // LMDB: per-thread cache of recent reads; 0 = off
  // Quotas of one namespace (one plugin's data, unless shared by grants).
  std::uint64_t namespace_max_bytes = 67'108'864;
  std::uint64_t namespace_max_keys = 100'000;
  RedisConfig redis;

  bool operator==(const KvConfig&) const = default;
};

/// Cluster mode (docs/cluster.md): the plugin catalog lives in Redis, the
/// Redis of [kv.redis] (kv.backend must be "redis"), and every node follows
/// its change log.
struct ClusterConfig {
  bool enabled = false;
  std::string node_id;              // empty: <hostname>-<public port>
  std::string advertise;            // what GET /admin/cluster shows; empty: <hostname>:<public port>
  std::string key_prefix = "main";  // so clusters can share a Redis; keys are "hookd-cluster:<prefix>:..."
  milliseconds heartbeat_interval{1000};
  milliseconds node_ttl{5000};             // a node missing heartbeats this long is gone
  std::uint32_t log_max_entries = 10'000;  // the change log's approximate length (XADD MAXLEN ~)
  milliseconds sync_timeout{30'000};       // start-up: how long to wait for Redis to load the catalog

  bool operator==(const ClusterConfig&) const = default;
};

struct FetchConfig {
  std::filesystem::path extra_ca_file;  // empty: system CAs only
  milliseconds connect_timeout{5000};
  milliseconds total_timeout{30'000};
  std::uint64_t max_response_bytes = 10'485'760;
  std::uint32_t max_redirects = 5;

  bool operator==(const FetchConfig&) const = default;
};

/// Distributed tracing (docs/tracing.md): W3C Trace Context in and out,
/// spans exported as OTLP/JSON over HTTP to a collector.
struct TracingConfig {
  bool enabled = false;
  /// The collector's OTLP/HTTP traces endpoint, http://host:port/path (a
  /// collector's is http://<host>:4318/v1/traces). Required when enabled.
  std::string collector_url;
  /// The resource's service.name.
  std::string service_name = "hookd";
  /// Share of new traces (no sampled parent) that are recorded, 0 to 1; a
  /// request with a traceparent follows its parent's decision.
  double sample_ratio = 1.0;
  /// Spans waiting to be exported; past this they are dropped and counted.
  std::uint32_t queue_spans = 4096;
  /// Spans per export request.
  std::uint32_t batch_spans = 512;
  /// How long a span waits for a batch to fill before it is sent anyway.
  milliseconds export_interval{1000};
  /// One export request, connect to answer.
  milliseconds export_timeout{5000};
  /// Tries of a failed export after the first (backoff 100 ms, doubling).
  std::uint32_t export_retries = 3;

  bool operator==(const TracingConfig&) const = default;
};

/// A trusted Ed25519 public key as written in the config:
/// "ed25519:<base64 of the 32 raw key bytes>".
struct TrustedKey {
  std::string text;

  static std::expected<TrustedKey, std::string> parse(std::string_view text);
  std::string to_string() const { return text; }
  bool operator==(const TrustedKey&) const = default;
};

/// Signed plugins: who may have built the code hookd runs.
struct SigningConfig {
  std::vector<TrustedKey> trusted_keys;
  bool require_signature = false;  // refuse unsigned or wrongly signed modules

  bool operator==(const SigningConfig&) const = default;
};

/// Where a setting got its current value, so that checks made after all layers
/// are merged can still point at the line or variable to fix.
struct Origin {
  std::string source;  // "hookd.toml", "environment", "command line"
  int line = 0;        // 0 when the source has no lines
  std::string name;    // the setting as spelled there: "server.listen", "HOOKD_SERVER_LISTEN"
};

struct Config {
  ServerConfig server;
  LimitsConfig limits;
  EngineConfig engine;
  PluginLimits plugin_defaults;
  LogConfig log;
  KvConfig kv;
  FetchConfig fetch;
  SigningConfig signing;
  ClusterConfig cluster;
  TracingConfig tracing;
  std::vector<PluginConfig> plugins;  // sorted by name
  std::vector<RouteConfig> routes;    // [[routes]], in file order

  /// Keyed by dotted key ("server.listen"); a key missing here has its default.
  std::map<std::string, Origin, std::less<>> origins;

  /// Effective limits of a plugin: its overrides on top of plugin_defaults.
  PluginLimits limits_for(const PluginConfig& plugin) const;
  const PluginConfig* find_plugin(std::string_view name) const;
};

struct ConfigError {
  enum class Kind { invalid_value, unknown_key, missing_key, syntax, io, conflict };

  std::string source;  // file name, "environment", "command line", ...
  int line = 0;        // 1-based; 0 when unknown
  std::string key;     // "server.workers", "HOOKD_SERVER_WORKERS", "--workers"
  std::string message;
  Kind kind = Kind::invalid_value;

  /// "hookd.toml:12: server.workers: expected an integer between 1 and 256, got \"x\""
  /// or "hookd.toml:7: unknown key 'server.listne'".
  std::string to_string() const;
};

using Errors = std::vector<ConfigError>;
using Result = std::expected<Config, Errors>;

/// Joins errors one per line, for printing.
std::string to_string(const Errors& errors);

/// The embedded defaults: what hookd runs with when no file is given.
Config defaults();

/// Parses TOML text. `source_name` prefixes errors; relative plugin paths are
/// resolved against `base_dir` (left relative when it is empty).
Result parse_config(std::string_view toml_text, std::string_view source_name,
                    const std::filesystem::path& base_dir = {});

/// Reads and parses a file; relative plugin paths are resolved against the
/// file's folder. Errors name the file as given.
Result load_config_file(const std::filesystem::path& path);

/// Looks up an environment variable by name.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

/// The process environment (getenv).
EnvLookup process_environment();

/// Applies HOOKD_<SECTION>_<KEY> for every scalar of server, limits, engine,
/// plugin_defaults, log, kv (HOOKD_KV_REDIS_* for [kv.redis]) and fetch, plus
/// HOOKD_ADMIN_TOKEN for server.admin_token. HOOKD_SERVER_TRUSTED_PROXIES is a
/// comma-separated list. Returns the errors (empty on success); a variable with
/// a bad value leaves its setting unchanged.
[[nodiscard]] Errors apply_env_overrides(Config& config, const EnvLookup& env);

/// The env variable that overrides a dotted key ("server.workers" ->
/// "HOOKD_SERVER_WORKERS"); nullopt for keys that have none.
std::optional<std::string> env_variable_for(std::string_view dotted_key);

/// The settings `hookd serve` takes as flags.
struct CliOverrides {
  // Initialized so that designated initializers may name any subset.
  std::optional<std::string> listen = std::nullopt;
  std::optional<std::string> admin_listen = std::nullopt;
  std::optional<std::filesystem::path> data_dir = std::nullopt;
  std::optional<std::int64_t> workers = std::nullopt;
};

[[nodiscard]] Errors apply_cli_overrides(Config& config, const CliOverrides& cli);

/// Cross-field checks, and re-checks every value against the schema so a
/// Config built in code gets the same scrutiny as one read from a file.
[[nodiscard]] Errors validate(const Config& config);

/// What `hookd serve` does: the file (or the defaults when there is none), then
/// the environment, then flags, then validate(). All errors of all layers.
struct LoadRequest {
  std::optional<std::filesystem::path> file = std::nullopt;
  EnvLookup env = {};  // empty: no environment layer
  CliOverrides cli = {};
};
Result load(const LoadRequest& request);

/// The effective configuration as TOML (with plugins), e.g. for `hookd config show`.
/// The admin token is written as "<redacted>" unless `include_secrets`.
std::string to_toml(const Config& config, bool include_secrets = false);

}  // namespace hookd::config
