// The environment and flag layers, and their precedence over the file.
#include "hookd/config/env_names.hpp"
#include "test_helpers.hpp"

namespace hookd::config {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using testing::fake_env;
using ::testing::HasSubstr;
using testing::parse_ok;
using testing::printed;

TEST(Env, VariableNamesFollowSectionAndKey) {
  EXPECT_EQ(env_variable_for("server.listen"), "HOOKD_SERVER_LISTEN");
  EXPECT_EQ(env_variable_for("limits.max_body_bytes"), "HOOKD_LIMITS_MAX_BODY_BYTES");
  EXPECT_EQ(env_variable_for("plugin_defaults.deadline_ms"), "HOOKD_PLUGIN_DEFAULTS_DEADLINE_MS");
  EXPECT_EQ(env_variable_for("kv.redis.pool_size"), "HOOKD_KV_REDIS_POOL_SIZE");
  EXPECT_EQ(env_variable_for("plugins.echo.path"), std::nullopt);
}

TEST(Env, OverridesEveryKindOfSetting) {
  Config config = defaults();
  const Errors errors =
      apply_env_overrides(config, fake_env({
                                      {"HOOKD_SERVER_LISTEN", "0.0.0.0:80"},
                                      {"HOOKD_SERVER_WORKERS", "8"},
                                      {"HOOKD_SERVER_TRUSTED_PROXIES", "10.0.0.0/8, 192.168.1.1"},
                                      {"HOOKD_LIMITS_MAX_BODY_BYTES", "42"},
                                      {"HOOKD_LIMITS_WS_PERMESSAGE_DEFLATE", "true"},
                                      {"HOOKD_PLUGIN_DEFAULTS_DEADLINE_MS", "77"},
                                      {"HOOKD_LOG_LEVEL", "trace"},
                                      {"HOOKD_KV_BACKEND", "memory"},
                                      {"HOOKD_KV_REDIS_PASSWORD", "pw"},
                                      {"HOOKD_FETCH_EXTRA_CA_FILE", "/etc/ca.pem"},
                                      {"HOOKD_UNRELATED", "ignored"},
                                  }));
  EXPECT_TRUE(errors.empty()) << to_string(errors);
  EXPECT_EQ(config.server.listen, (HostPort{"0.0.0.0", 80}));
  EXPECT_EQ(config.server.workers, 8u);
  ASSERT_EQ(config.server.trusted_proxies.size(), 2u);
  EXPECT_EQ(config.server.trusted_proxies[1].to_string(), "192.168.1.1/32");
  EXPECT_EQ(config.limits.max_body_bytes, 42u);
  EXPECT_TRUE(config.limits.ws_permessage_deflate);
  EXPECT_EQ(config.plugin_defaults.deadline, 77ms);
  EXPECT_EQ(config.log.level, LogLevel::trace);
  EXPECT_EQ(config.kv.backend, KvBackend::memory);
  EXPECT_EQ(config.kv.redis.password, "pw");
  EXPECT_EQ(config.fetch.extra_ca_file, "/etc/ca.pem");
  EXPECT_EQ(config.origins.at("server.workers").name, "HOOKD_SERVER_WORKERS");
}

TEST(Env, BadValuesAreErrorsNamingTheVariable) {
  Config config = defaults();
  const Errors errors = apply_env_overrides(config, fake_env({
                                                        {"HOOKD_SERVER_WORKERS", "x"},
                                                        {"HOOKD_LIMITS_WS_PERMESSAGE_DEFLATE", "maybe"},
                                                        {"HOOKD_LOG_FORMAT", "xml"},
                                                        {"HOOKD_SERVER_TRUSTED_PROXIES", "10.0.0.0/8,nope"},
                                                    }));
  EXPECT_THAT(
      printed(errors),
      ElementsAre("environment: HOOKD_SERVER_WORKERS: expected an integer between 0 and 256, got \"x\"",
                  "environment: HOOKD_SERVER_TRUSTED_PROXIES: entry 2: expected an IP address or CIDR "
                  "network, got \"nope\"",
                  "environment: HOOKD_LIMITS_WS_PERMESSAGE_DEFLATE: expected true or false, got \"maybe\"",
                  "environment: HOOKD_LOG_FORMAT: expected one of text|json, got \"xml\""));
  EXPECT_EQ(config.server.workers, 0u) << "a bad value leaves the setting alone";
  EXPECT_TRUE(config.server.trusted_proxies.empty());
}

std::vector<std::string> names(std::initializer_list<std::string> list) { return list; }

TEST(EnvNames, AMisspeltVariableIsAnErrorNamingTheNearestOne) {
  const Errors errors = check_variable_names(names({"HOOKD_SERVER_WORKERZ", "HOOKD_SERVR_LISTEN"}));
  EXPECT_THAT(printed(errors),
              ElementsAre("environment: unknown variable HOOKD_SERVER_WORKERZ (did you mean "
                          "HOOKD_SERVER_WORKERS?); docs/configuration.md lists the variables",
                          "environment: unknown variable HOOKD_SERVR_LISTEN (did you mean "
                          "HOOKD_SERVER_LISTEN?); docs/configuration.md lists the variables"));
  ASSERT_FALSE(errors.empty());
  EXPECT_EQ(errors[0].kind, ConfigError::Kind::unknown_key);
}

TEST(EnvNames, PerPluginVariablesAreAnErrorSayingWhereThoseSettingsGo) {
  const Errors errors = check_variable_names(names({"HOOKD_PLUGINS_ECHO_DEADLINE_MS"}));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].key, "HOOKD_PLUGINS_ECHO_DEADLINE_MS");
  EXPECT_THAT(errors[0].message, HasSubstr("per-plugin settings have no environment variables"));
}

TEST(EnvNames, EverySettingsVariableAndTheTokenAliasAreKnown) {
  std::vector<std::string> all = {"HOOKD_ADMIN_TOKEN",        "HOOKD_SERVER_ADMIN_TOKEN",
                                  "HOOKD_KV_REDIS_POOL_SIZE", "HOOKD_PLUGIN_DEFAULTS_DEADLINE_MS",
                                  "HOOKD_CLUSTER_ENABLED",    "HOOKD_SIGNING_REQUIRE_SIGNATURE",
                                  "HOOKD_ENGINE_COMPILE"};
  EXPECT_TRUE(check_variable_names(all).empty()) << to_string(check_variable_names(all));
}

TEST(EnvNames, VariablesOfHookdsScriptsAndEngineAreNotSettings) {
  std::vector<std::string> all(non_setting_variables().begin(), non_setting_variables().end());
  EXPECT_THAT(all, ::testing::IsSupersetOf({"HOOKD_BUILD_DIR", "HOOKD_JOBS", "HOOKD_SKIP_ASAN",
                                            "HOOKD_V8_FLAGS", "HOOKD_CLUSTER_LOG_MAX"}));
  EXPECT_TRUE(check_variable_names(all).empty()) << to_string(check_variable_names(all));
}

TEST(EnvNames, OtherVariablesAreNotLookedAt) {
  EXPECT_TRUE(check_variable_names(names({"HOOKDX", "PATH", "hookd_server_workerz"})).empty());
}

TEST(EnvNames, TheProcessEnvironmentListsItsHookdVariables) {
  ASSERT_EQ(::setenv("HOOKD_SERVER_WORKERZ", "4", 1), 0);
  const std::vector<std::string> listed = hookd_variable_names();
  ::unsetenv("HOOKD_SERVER_WORKERZ");
  EXPECT_THAT(listed, ::testing::Contains("HOOKD_SERVER_WORKERZ"));
  EXPECT_THAT(listed, ::testing::Each(::testing::StartsWith("HOOKD_")));
}

TEST(Env, AdminTokenComesFromTheShortVariable) {
  Config config = defaults();
  EXPECT_TRUE(apply_env_overrides(config, fake_env({{"HOOKD_ADMIN_TOKEN", "tok"}})).empty());
  EXPECT_EQ(config.server.admin_token, "tok");
  EXPECT_EQ(config.origins.at("server.admin_token").name, "HOOKD_ADMIN_TOKEN");
}

TEST(Env, ConflictingAdminTokenVariablesAreAnError) {
  Config config = defaults();
  const Errors errors =
      apply_env_overrides(config, fake_env({{"HOOKD_ADMIN_TOKEN", "a"}, {"HOOKD_SERVER_ADMIN_TOKEN", "b"}}));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].key, "HOOKD_SERVER_ADMIN_TOKEN");
  EXPECT_THAT(errors[0].message, HasSubstr("HOOKD_ADMIN_TOKEN"));
}

TEST(Cli, OverridesItsFourSettings) {
  Config config = defaults();
  const Errors errors = apply_cli_overrides(
      config, {.listen = "127.0.0.1:0", .admin_listen = "[::1]:9999", .data_dir = "/tmp/d", .workers = 2});
  EXPECT_TRUE(errors.empty()) << to_string(errors);
  EXPECT_EQ(config.server.listen.port, 0);
  EXPECT_EQ(config.server.admin_listen, (HostPort{"::1", 9999}));
  EXPECT_EQ(config.server.data_dir, "/tmp/d");
  EXPECT_EQ(config.server.workers, 2u);
}

TEST(Cli, BadValuesNameTheFlag) {
  Config config = defaults();
  const Errors errors = apply_cli_overrides(config, {.listen = "nowhere", .workers = 1000});
  EXPECT_THAT(printed(errors),
              ElementsAre(HasSubstr("command line: --listen: expected host:port"),
                          "command line: --workers: expected an integer between 0 and 256, got 1000"));
}

class Layers : public ::testing::Test {
 protected:
  void SetUp() override {
    file_ = dir_.path() / "hookd.toml";
    std::ofstream(file_) << "[server]\nlisten = \"127.0.0.1:1001\"\n"
                            "admin_listen = \"127.0.0.1:2001\"\nworkers = 1\n"
                            "[log]\nlevel = \"warn\"\n";
  }
  testing::TempDir dir_;
  std::filesystem::path file_;
};

TEST_F(Layers, FlagsWinOverEnvWhichWinsOverTheFile) {
  auto config = load({
      .file = file_,
      .env = fake_env({{"HOOKD_SERVER_LISTEN", "127.0.0.1:1002"},
                       {"HOOKD_SERVER_ADMIN_LISTEN", "127.0.0.1:2002"},
                       {"HOOKD_SERVER_WORKERS", "2"}}),
      .cli = {.listen = "127.0.0.1:1003"},
  });
  ASSERT_TRUE(config) << to_string(config.error());
  EXPECT_EQ(config->server.listen.port, 1003) << "flag beats env and file";
  EXPECT_EQ(config->server.admin_listen.port, 2002) << "env beats file";
  EXPECT_EQ(config->server.workers, 2u);
  EXPECT_EQ(config->log.level, LogLevel::warn) << "file beats defaults";
  EXPECT_EQ(config->origins.at("server.listen").source, "command line");
  EXPECT_EQ(config->origins.at("server.admin_listen").source, "environment");
  EXPECT_EQ(config->origins.at("log.level").source, file_.string());
}

TEST_F(Layers, ErrorsOfAllLayersAreReportedTogether) {
  std::ofstream(file_) << "[server]\nworkers = \"many\"\n";
  auto config = load({.file = file_, .env = fake_env({{"HOOKD_LOG_LEVEL", "loud"}}), .cli = {.workers = -1}});
  ASSERT_FALSE(config);
  ASSERT_EQ(config.error().size(), 3u);
  EXPECT_EQ(config.error()[0].source, file_.string());
  EXPECT_EQ(config.error()[1].key, "HOOKD_LOG_LEVEL");
  EXPECT_EQ(config.error()[2].key, "--workers");
}

TEST_F(Layers, WithoutAFileTheDefaultsAreUsed) {
  auto config = load({});
  ASSERT_TRUE(config) << to_string(config.error());
  EXPECT_EQ(config->server, defaults().server);
}

TEST_F(Layers, ValidationErrorsPointAtTheLayerThatSetTheValue) {
  auto config = load({.file = file_, .cli = {.admin_listen = "127.0.0.1:1001"}});
  ASSERT_FALSE(config);
  EXPECT_THAT(
      printed(config.error()),
      ElementsAre("command line: --admin-listen: must differ from server.listen (both are 127.0.0.1:1001)"));
}

}  // namespace
}  // namespace hookd::config
