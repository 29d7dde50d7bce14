// The example config shipped in config/hookd.toml must parse, and must show
// the real defaults, so the file is documentation that cannot drift.
#include "test_helpers.hpp"

namespace hookd::config {
namespace {

using ::testing::HasSubstr;

const std::filesystem::path kExample = HOOKD_CONFIG_EXAMPLE;

TEST(ExampleFile, Parses) {
  auto config = load_config_file(kExample);
  ASSERT_TRUE(config) << to_string(config.error());
  EXPECT_TRUE(validate(*config).empty()) << to_string(validate(*config));
}

TEST(ExampleFile, ShowsTheRealDefaults) {
  auto config = load_config_file(kExample);
  ASSERT_TRUE(config) << to_string(config.error());
  const Config expected = defaults();
  EXPECT_EQ(config->server, expected.server);
  EXPECT_EQ(config->limits, expected.limits);
  EXPECT_EQ(config->engine, expected.engine);
  EXPECT_EQ(config->plugin_defaults, expected.plugin_defaults);
  EXPECT_EQ(config->log, expected.log);
  EXPECT_EQ(config->kv, expected.kv);
  EXPECT_EQ(config->fetch, expected.fetch);
  EXPECT_EQ(config->signing, expected.signing);
  EXPECT_EQ(config->cluster, expected.cluster);
  EXPECT_EQ(config->tracing, expected.tracing);
}

TEST(ExampleFile, MentionsEverySetting) {
  auto config = load_config_file(kExample);
  ASSERT_TRUE(config);
  // A setting has an origin in the file only if the file sets it.
  for (const auto* key :
       {"server.listen", "server.trusted_proxies", "limits.ws_permessage_deflate",
        "plugin_defaults.max_concurrency", "log.access_log", "kv.redis.pool_size", "fetch.max_redirects",
        "kv.map_size_mb", "server.admin_token", "cluster.enabled", "engine.compile", "limits.max_routes",
        "log.websocket_messages", "tracing.sample_ratio", "tracing.collector_url"}) {
    EXPECT_TRUE(config->origins.contains(key)) << key;
  }
  std::size_t settings = 0;
  for (const auto& [key, origin] : config->origins) settings += key.starts_with("plugins.") ? 0 : 1;
  EXPECT_EQ(settings, 81u) << "a new setting needs a line in config/hookd.toml";
}

TEST(ExampleFile, ConfiguresTheExamplePlugins) {
  auto config = load_config_file(kExample);
  ASSERT_TRUE(config);
  const PluginConfig* echo = config->find_plugin("echo");
  ASSERT_NE(echo, nullptr);
  // Relative to the file's folder: the build's outputs at the top of the tree.
  EXPECT_EQ(echo->path, (kExample.parent_path() / "../build/plugins/echo.wasm").lexically_normal());
  EXPECT_EQ(echo->settings.config.at("greeting"), "Hi");
  const PluginConfig* counter = config->find_plugin("counter");
  ASSERT_NE(counter, nullptr);
  EXPECT_EQ(counter->settings.grants.kv->mode, KvMode::read_write);
  EXPECT_EQ(counter->settings.grants.fetch.size(), 2u);
}

TEST(ToToml, WritesAConfigThatParsesBackToTheSameValues) {
  auto config = load_config_file(kExample);
  ASSERT_TRUE(config);
  config->server.admin_token = "secret";
  const std::string text = to_toml(*config, /*include_secrets=*/true);
  auto reparsed = parse_config(text, "effective.toml");
  ASSERT_TRUE(reparsed) << to_string(reparsed.error()) << "\n" << text;
  EXPECT_EQ(reparsed->server, config->server);
  EXPECT_EQ(reparsed->kv, config->kv);
  EXPECT_EQ(reparsed->plugins, config->plugins);
}

TEST(ToToml, RedactsSecretsByDefault) {
  Config config = defaults();
  config.server.admin_token = "secret";
  config.kv.redis.password = "hunter2";
  const std::string text = to_toml(config);
  EXPECT_THAT(text, ::testing::Not(HasSubstr("secret")));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("hunter2")));
  EXPECT_THAT(text, HasSubstr("<redacted>"));
}

}  // namespace
}  // namespace hookd::config
