#include "test_helpers.hpp"

namespace hookd::config {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using testing::errors_of;
using ::testing::HasSubstr;
using testing::parse_ok;

TEST(Defaults, MatchTheDocumentedSchema) {
  const Config config = defaults();
  EXPECT_EQ(config.server.listen.to_string(), "127.0.0.1:8080");
  EXPECT_EQ(config.server.admin_listen.to_string(), "127.0.0.1:9090");
  EXPECT_EQ(config.server.workers, 0u);
  EXPECT_EQ(config.server.data_dir, "./data");
  EXPECT_EQ(config.server.admin_token, "");
  EXPECT_TRUE(config.server.trusted_proxies.empty());
  EXPECT_EQ(config.server.drain_timeout, 10'000ms);
  EXPECT_TRUE(config.server.load_example_plugins);
  EXPECT_EQ(config.limits.max_header_bytes, 8192u);
  EXPECT_EQ(config.limits.max_header_fields, 100u);
  EXPECT_EQ(config.limits.max_body_bytes, 1'048'576u);
  EXPECT_EQ(config.limits.max_connections, 10'000u);
  EXPECT_EQ(config.limits.read_timeout, 30'000ms);
  EXPECT_EQ(config.limits.idle_timeout, 60'000ms);
  EXPECT_EQ(config.limits.queue_depth, 1024u);
  EXPECT_EQ(config.limits.blocking_threads, 8u);
  EXPECT_EQ(config.limits.ws_max_message_bytes, 1'048'576u);
  EXPECT_EQ(config.limits.ws_idle_timeout, 60'000ms);
  EXPECT_EQ(config.limits.ws_ping_interval, 20'000ms);
  EXPECT_FALSE(config.limits.ws_permessage_deflate);
  EXPECT_EQ(config.plugin_defaults, (PluginLimits{256, 1000ms, 64}));
  EXPECT_EQ(config.log.level, LogLevel::info);
  EXPECT_EQ(config.log.format, LogFormat::text);
  EXPECT_TRUE(config.log.access_log);
  EXPECT_EQ(config.kv.backend, KvBackend::lmdb);
  EXPECT_EQ(config.kv.map_size_mb, 1024u);
  EXPECT_EQ(config.kv.redis.address.to_string(), "127.0.0.1:6379");
  EXPECT_EQ(config.kv.redis.database, 0u);
  EXPECT_EQ(config.kv.redis.connect_timeout, 1000ms);
  EXPECT_EQ(config.kv.redis.command_timeout, 1000ms);
  EXPECT_EQ(config.kv.redis.pool_size, 8u);
  EXPECT_EQ(config.fetch.extra_ca_file, "");
  EXPECT_EQ(config.fetch.connect_timeout, 5000ms);
  EXPECT_EQ(config.fetch.total_timeout, 30'000ms);
  EXPECT_EQ(config.fetch.max_response_bytes, 10'485'760u);
  EXPECT_EQ(config.fetch.max_redirects, 5u);
  EXPECT_TRUE(config.plugins.empty());
  EXPECT_TRUE(validate(config).empty());
}

TEST(Defaults, AnEmptyFileGivesTheDefaults) {
  const Config config = parse_ok("");
  EXPECT_EQ(config.server, defaults().server);
  EXPECT_EQ(config.limits, defaults().limits);
  EXPECT_EQ(config.kv, defaults().kv);
}

TEST(Defaults, ZeroWorkersMeansOnePerCore) {
  ServerConfig server;
  EXPECT_GE(effective_workers(server), 1u);
  server.workers = 3;
  EXPECT_EQ(effective_workers(server), 3u);
}

TEST(Parse, ReadsEverySectionsValues) {
  const Config config = parse_ok(R"(
[server]
listen = "[::1]:0"
admin_listen = "0.0.0.0:9999"
workers = 4
data_dir = "/var/lib/hookd"
admin_token = "s3cret-token"
trusted_proxies = ["10.0.0.0/8", "::1", "fd00::/8"]
drain_timeout_ms = 0
load_example_plugins = false
[limits]
max_body_bytes = 0
ws_ping_interval_ms = 0
ws_permessage_deflate = true
[plugin_defaults]
deadline_ms = 250
[log]
level = "debug"
format = "json"
access_log = false
[kv]
backend = "redis"
[kv.redis]
address = "Redis.Internal:6380"
database = 2
[fetch]
max_redirects = 0
)");
  EXPECT_EQ(config.server.listen, (HostPort{"::1", 0}));
  EXPECT_EQ(config.server.admin_listen, (HostPort{"0.0.0.0", 9999}));
  EXPECT_EQ(config.server.workers, 4u);
  EXPECT_EQ(config.server.data_dir, "/var/lib/hookd");
  EXPECT_EQ(config.server.admin_token, "s3cret-token");
  ASSERT_EQ(config.server.trusted_proxies.size(), 3u);
  EXPECT_EQ(config.server.trusted_proxies[1].to_string(), "::1/128");
  EXPECT_EQ(config.server.drain_timeout, 0ms);
  EXPECT_FALSE(config.server.load_example_plugins);
  EXPECT_EQ(config.limits.max_body_bytes, 0u);
  EXPECT_TRUE(config.limits.ws_permessage_deflate);
  EXPECT_EQ(config.plugin_defaults.deadline, 250ms);
  EXPECT_EQ(config.log.level, LogLevel::debug);
  EXPECT_EQ(config.log.format, LogFormat::json);
  EXPECT_FALSE(config.log.access_log);
  EXPECT_EQ(config.kv.backend, KvBackend::redis);
  EXPECT_EQ(config.kv.redis.address, (HostPort{"redis.internal", 6380}));
  EXPECT_EQ(config.kv.redis.database, 2u);
  EXPECT_EQ(config.fetch.max_redirects, 0u);
}

TEST(Parse, RecordsWhereEachSettingCameFrom) {
  const Config config = parse_ok("\n[server]\nworkers = 2\n");
  const Origin& origin = config.origins.at("server.workers");
  EXPECT_EQ(origin.source, "hookd.toml");
  EXPECT_EQ(origin.line, 3);
  EXPECT_FALSE(config.origins.contains("server.listen"));
}

TEST(Plugins, ReadsSettingsGrantsAndConfig) {
  const Config config = parse_ok(R"(
[plugins.echo]
path = "/opt/plugins/echo.wasm"
sha256 = "ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
max_memory_pages = 16
deadline_ms = 50
config = { greeting = "Hi", times = 3, ratio = 0.5, loud = true }
[plugins.echo.grants]
kv = { mode = "rw" }
fetch = ["https://API.example.com", "http://*.example.org:8080"]
config = false
log_level = "warn"
log_rate_per_sec = 5
)");
  ASSERT_EQ(config.plugins.size(), 1u);
  const PluginConfig& echo = config.plugins[0];
  EXPECT_EQ(echo.name, "echo");
  EXPECT_EQ(echo.path, "/opt/plugins/echo.wasm");
  EXPECT_EQ(echo.settings.sha256, "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789");
  EXPECT_EQ(echo.settings.limits.max_memory_pages, 16u);
  EXPECT_EQ(echo.settings.limits.deadline, 50ms);
  EXPECT_FALSE(echo.settings.limits.max_concurrency.has_value());
  EXPECT_EQ(echo.settings.config,
            (std::map<std::string, std::string>{
                {"greeting", "Hi"}, {"times", "3"}, {"ratio", "0.5"}, {"loud", "true"}}));
  ASSERT_TRUE(echo.settings.grants.kv.has_value());
  EXPECT_EQ(echo.settings.grants.kv->namespace_name, "echo") << "namespace defaults to the plugin name";
  EXPECT_EQ(echo.settings.grants.kv->mode, KvMode::read_write);
  ASSERT_EQ(echo.settings.grants.fetch.size(), 2u);
  EXPECT_EQ(echo.settings.grants.fetch[0].to_string(), "https://api.example.com");
  EXPECT_FALSE(echo.settings.grants.config);
  EXPECT_EQ(echo.settings.grants.log_level, LogLevel::warn);
  EXPECT_EQ(echo.settings.grants.log_rate_per_sec, 5u);
}

TEST(Plugins, WithoutGrantsGetNothingNotEvenTheirConfig) {
  const Config config = parse_ok("[plugins.bare]\npath = \"bare.wasm\"\n");
  const PluginGrants& grants = config.plugins.at(0).settings.grants;
  EXPECT_FALSE(grants.kv.has_value());
  EXPECT_TRUE(grants.fetch.empty());
  EXPECT_FALSE(grants.config);
  EXPECT_FALSE(grants.crypto);
  EXPECT_EQ(grants.log_level, LogLevel::info);
}

TEST(Plugins, CryptoIsAGrant) {
  const Config config = parse_ok("[plugins.hooks]\npath = \"hooks.wasm\"\ngrants = { crypto = true }\n");
  EXPECT_TRUE(config.plugins.at(0).settings.grants.crypto);
}

TEST(Plugins, InheritLimitsTheyDoNotOverride) {
  const Config config = parse_ok(R"(
[plugin_defaults]
max_memory_pages = 100
deadline_ms = 2000
[plugins.a]
path = "a.wasm"
deadline_ms = 10
)");
  const PluginLimits limits = config.limits_for(*config.find_plugin("a"));
  EXPECT_EQ(limits, (PluginLimits{100, 10ms, 64}));
  EXPECT_EQ(config.find_plugin("missing"), nullptr);
}

TEST(Plugins, RelativePathsAreResolvedAgainstTheConfigFolder) {
  const Config config = parse_ok(R"(
[plugins.rel]
path = "plugins/../plugins/rel.wasm"
[plugins.abs]
path = "/srv/abs.wasm"
)",
                                 "/etc/hookd");
  EXPECT_EQ(config.find_plugin("rel")->path, "/etc/hookd/plugins/rel.wasm");
  EXPECT_EQ(config.find_plugin("abs")->path, "/srv/abs.wasm");
}

TEST(Plugins, LoadedFromAFileResolveAgainstThatFilesFolder) {
  const testing::TempDir temp;
  const auto& dir = temp.path();
  const auto file = dir / "hookd.toml";
  {
    std::ofstream out(file);
    out << "[plugins.echo]\npath = \"plugins/echo.wasm\"\n";
  }
  auto config = load_config_file(file);
  ASSERT_TRUE(config) << to_string(config.error());
  EXPECT_EQ(config->plugins.at(0).path, dir / "plugins/echo.wasm");
  EXPECT_TRUE(config->plugins.at(0).path.is_absolute());
}

TEST(Plugins, AreSortedByName) {
  const Config config = parse_ok("[plugins.b]\npath='b'\n[plugins.a]\npath='a'\n");
  ASSERT_EQ(config.plugins.size(), 2u);
  EXPECT_EQ(config.plugins[0].name, "a");
}

TEST(UnknownKeys, AreRejectedAtEveryLevel) {
  EXPECT_THAT(
      errors_of(R"(
colour = 1
[server]
listne = "127.0.0.1:1"
[kv.redis]
adress = "x:1"
[kv.mongo]
[plugins.echo]
path = "e.wasm"
memory = 3
[plugins.echo.grants]
kvv = { mode = "r" }
[plugins.echo.grants.kv]
mode = "r"
ttl = 3
)"),
      ElementsAre("hookd.toml:2: unknown key 'colour'",
                  "hookd.toml:4: unknown key 'server.listne' (did you mean 'listen'?)",
                  "hookd.toml:6: unknown key 'kv.redis.adress' (did you mean 'address'?)",
                  "hookd.toml:7: unknown key 'kv.mongo'", "hookd.toml:10: unknown key 'plugins.echo.memory'",
                  "hookd.toml:12: unknown key 'plugins.echo.grants.kvv' (did you mean 'kv'?)",
                  "hookd.toml:15: unknown key 'plugins.echo.grants.kv.ttl'"));
}

TEST(UnknownKeys, SuggestSectionNames) {
  EXPECT_THAT(errors_of("[limts]\nqueue_depth = 1\n"),
              ElementsAre("hookd.toml:1: unknown key 'limts' (did you mean 'limits'?)"));
}

TEST(Syntax, ErrorsNameTheLine) {
  auto errors = errors_of("[server]\nworkers = = 3\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0], HasSubstr("hookd.toml:2: "));
}

TEST(LoadFile, MissingFileIsAnErrorNotAnException) {
  auto result = load_config_file("/nonexistent/hookd.toml");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().at(0).kind, ConfigError::Kind::io);
  EXPECT_THAT(result.error().at(0).to_string(), HasSubstr("/nonexistent/hookd.toml: cannot read"));
}

}  // namespace
}  // namespace hookd::config
