// Cross-field checks, and the same rules applied to a Config built in code.
#include "test_helpers.hpp"

namespace hookd::config {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::parse_ok;
using testing::printed;

TEST(Validate, TheDefaultsAreValid) { EXPECT_TRUE(validate(defaults()).empty()); }

TEST(Validate, ListenAndAdminListenMustDiffer) {
  const Config config =
      parse_ok("[server]\nlisten = \"127.0.0.1:7000\"\nadmin_listen = \"127.0.0.1:7000\"\n");
  EXPECT_THAT(
      printed(validate(config)),
      ElementsAre(
          "hookd.toml:3: server.admin_listen: must differ from server.listen (both are 127.0.0.1:7000)"));
}

TEST(Validate, BothOnPortZeroIsFineForTests) {
  Config config = defaults();
  config.server.listen.port = 0;
  config.server.admin_listen = config.server.listen;
  EXPECT_TRUE(validate(config).empty());
}

TEST(Validate, PingIntervalMustBeShorterThanIdleTimeout) {
  const Config config = parse_ok("[limits]\nws_idle_timeout_ms = 1000\nws_ping_interval_ms = 1000\n");
  EXPECT_THAT(printed(validate(config)),
              ElementsAre(HasSubstr("hookd.toml:3: limits.ws_ping_interval_ms: must be shorter than "
                                    "limits.ws_idle_timeout_ms (1000 ms)")));
  const Config no_pings = parse_ok("[limits]\nws_idle_timeout_ms = 1000\nws_ping_interval_ms = 0\n");
  EXPECT_TRUE(validate(no_pings).empty());
}

TEST(Validate, TheRequestBudgetMustAdmitTheLargestBodyAndMessage) {
  const Config small = parse_ok(
      "[limits]\nmax_body_bytes = 4096\nws_max_message_bytes = 8192\nmax_buffered_request_bytes = 8191\n");
  EXPECT_THAT(printed(validate(small)),
              ElementsAre(HasSubstr("hookd.toml:4: limits.max_buffered_request_bytes: must be at least the "
                                    "larger of limits.max_body_bytes and limits.ws_max_message_bytes (8192 "
                                    "bytes)")));
  const Config enough = parse_ok(
      "[limits]\nmax_body_bytes = 4096\nws_max_message_bytes = 8192\nmax_buffered_request_bytes = 8192\n");
  EXPECT_TRUE(validate(enough).empty());
  EXPECT_EQ(defaults().limits.max_buffered_request_bytes, 268'435'456u);
}

TEST(Validate, FetchConnectTimeoutMayNotExceedTotal) {
  const Config config = parse_ok("[fetch]\nconnect_timeout_ms = 9000\ntotal_timeout_ms = 8000\n");
  EXPECT_THAT(
      printed(validate(config)),
      ElementsAre(
          "hookd.toml:2: fetch.connect_timeout_ms: must not exceed fetch.total_timeout_ms (8000 ms)"));
}

TEST(Validate, RechecksValuesSetInCode) {
  Config config = defaults();
  config.server.workers = 1000;
  config.plugin_defaults.max_memory_pages = 0;
  config.server.listen.host = "not-an-ip";
  EXPECT_THAT(
      printed(validate(config)),
      ElementsAre(
          HasSubstr("defaults: server.listen: host must be an IP address"),
          "defaults: server.workers: expected an integer between 0 and 256, got 1000",
          "defaults: plugin_defaults.max_memory_pages: expected an integer between 1 and 65536, got 0"));
}

TEST(Validate, RechecksPluginsSetInCode) {
  Config config = defaults();
  PluginConfig plugin{"bad name", "", {}};
  plugin.settings.limits.deadline = 0ms;
  plugin.settings.grants.kv = KvGrant{"", KvMode::read};
  config.plugins.push_back(plugin);
  const auto errors = printed(validate(config));
  EXPECT_THAT(errors, ::testing::Contains(HasSubstr("plugins.\"bad name\": plugin names must be")));
  EXPECT_THAT(errors, ::testing::Contains(HasSubstr("plugins.\"bad name\".path: required")));
  EXPECT_THAT(errors,
              ::testing::Contains(HasSubstr(
                  "plugins.\"bad name\".deadline_ms: expected an integer between 1 and 600000, got 0")));
}

TEST(Validate, MaxHeaderFieldsIsBounded) {
  EXPECT_EQ(parse_ok("[limits]\nmax_header_fields = 32\n").limits.max_header_fields, 32u);
  Config config = defaults();
  config.limits.max_header_fields = 0;
  EXPECT_THAT(
      printed(validate(config)),
      ElementsAre("defaults: limits.max_header_fields: expected an integer between 1 and 10000, got 0"));
}

TEST(Validate, DuplicatePluginNamesAreRejected) {
  Config config = defaults();
  config.plugins.push_back({"a", "a.wasm", {}});
  config.plugins.push_back({"a", "b.wasm", {}});
  EXPECT_THAT(printed(validate(config)), ElementsAre("defaults: plugins.a: configured twice"));
}

}  // namespace
}  // namespace hookd::config
