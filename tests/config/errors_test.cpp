// Every kind of bad value is reported with file, line and key, and all of them
// at once.
#include "test_helpers.hpp"

namespace hookd::config {
namespace {

using ::testing::ElementsAre;
using testing::errors_of;
using ::testing::HasSubstr;

TEST(Errors, NonIntegerNamesKeyLineAndValue) {
  EXPECT_THAT(errors_of("[server]\n\nworkers = \"x\"\n"),
              ElementsAre("hookd.toml:3: server.workers: expected an integer between 0 and 256, got \"x\""));
}

TEST(Errors, OutOfRangeIntegers) {
  EXPECT_THAT(
      errors_of("[plugin_defaults]\nmax_memory_pages = 65537\ndeadline_ms = 0\n"),
      ElementsAre(
          "hookd.toml:2: plugin_defaults.max_memory_pages: expected an integer between 1 and 65536, got "
          "65537",
          "hookd.toml:3: plugin_defaults.deadline_ms: expected an integer between 1 and 600000, got 0"));
}

TEST(Errors, WrongTypes) {
  EXPECT_THAT(
      errors_of("[log]\naccess_log = \"yes\"\nlevel = 3\n[limits]\nmax_body_bytes = 1.5\n"),
      ElementsAre(
          "hookd.toml:2: log.access_log: expected true or false, got \"yes\"",
          "hookd.toml:3: log.level: expected one of trace|debug|info|warn|error|off, got 3",
          "hookd.toml:5: limits.max_body_bytes: expected an integer between 0 and 4294967296, got 1.5"));
}

TEST(Errors, SectionThatIsNotATable) {
  EXPECT_THAT(errors_of("server = 3\n"), ElementsAre("hookd.toml:1: server: expected a table, got 3"));
}

TEST(Errors, BadEnumValues) {
  EXPECT_THAT(errors_of("[kv]\nbackend = \"postgres\"\n"),
              ElementsAre("hookd.toml:2: kv.backend: expected one of lmdb|redis|memory, got \"postgres\""));
}

TEST(Errors, BadAddresses) {
  auto errors = errors_of(R"([server]
listen = "localhost:8080"
admin_listen = "::1:9090"
[kv.redis]
address = "redis:0"
)");
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_THAT(errors[0], HasSubstr("hookd.toml:2: server.listen: host must be an IP address"));
  EXPECT_THAT(errors[1], HasSubstr("hookd.toml:3: server.admin_listen: IPv6 addresses need brackets"));
  EXPECT_THAT(errors[2], HasSubstr("hookd.toml:5: kv.redis.address: port must be between 1 and 65535"));
}

TEST(Errors, EachBadListEntryIsReportedOnItsOwnLine) {
  EXPECT_THAT(errors_of(R"([server]
trusted_proxies = [
  "10.0.0.0/8",
  "10.0.0.1/8",
  "300.1.1.1",
  7,
]
)"),
              ElementsAre("hookd.toml:4: server.trusted_proxies: entry 2: \"10.0.0.1/8\" has host bits set; "
                          "did you mean \"10.0.0.0/8\"?",
                          "hookd.toml:5: server.trusted_proxies: entry 3: expected an IP address or CIDR "
                          "network, got \"300.1.1.1\"",
                          "hookd.toml:6: server.trusted_proxies: entry 4: expected a string, got 7"));
}

TEST(Errors, PluginProblems) {
  auto errors = errors_of(R"([plugins."bad name"]
path = "x.wasm"
[plugins.nopath]
sha256 = "abc"
[plugins.fetcher]
path = ""
config = { nested = { a = 1 } }
[plugins.fetcher.grants]
fetch = ["ftp://example.com", "https://*.com"]
kv = { namespace = "a/b", mode = "write" }
log_level = "loud"
)");
  EXPECT_THAT(
      errors,
      ElementsAre(
          "hookd.toml:1: plugins.\"bad name\": plugin names must be 1 to 64 of A-Z a-z 0-9 _ -",
          "hookd.toml:3: plugins.nopath.path: required: the plugin's .wasm file",
          "hookd.toml:4: plugins.nopath.sha256: expected 64 hex digits, got \"abc\"",
          "hookd.toml:6: plugins.fetcher.path: must not be empty",
          "hookd.toml:7: plugins.fetcher.config.nested: expected a string, number or boolean, got a table",
          HasSubstr("hookd.toml:9: plugins.fetcher.grants.fetch: entry 1: expected scheme://host[:port]"),
          HasSubstr("hookd.toml:9: plugins.fetcher.grants.fetch: entry 2:"),
          "hookd.toml:10: plugins.fetcher.grants.kv.mode: expected one of r|rw, got \"write\"",
          "hookd.toml:10: plugins.fetcher.grants.kv.namespace: expected 1 to 64 of A-Z a-z 0-9 _ -, got "
          "\"a/b\"",
          "hookd.toml:11: plugins.fetcher.grants.log_level: expected one of trace|debug|info|warn|error|off, "
          "got \"loud\""));
}

TEST(Errors, AllAreCollectedNotJustTheFirst) {
  auto result = parse_config("[server]\nworkers = -1\n[limits]\nqueue_depth = 0\n[log]\nformat = \"xml\"\n",
                             "hookd.toml");
  ASSERT_FALSE(result);
  ASSERT_EQ(result.error().size(), 3u);
  EXPECT_EQ(result.error()[0].key, "server.workers");
  EXPECT_EQ(result.error()[0].line, 2);
  EXPECT_EQ(result.error()[1].key, "limits.queue_depth");
  EXPECT_EQ(result.error()[2].key, "log.format");
  EXPECT_EQ(result.error()[2].source, "hookd.toml");
}

TEST(Errors, ToStringMatchesTheDocumentedFormat) {
  ConfigError bad{"hookd.toml", 12, "server.workers", "expected an integer between 1 and 256, got \"x\""};
  EXPECT_EQ(bad.to_string(),
            "hookd.toml:12: server.workers: expected an integer between 1 and 256, got \"x\"");
  ConfigError unknown{"hookd.toml", 7, "server.listne", "unknown key 'server.listne'",
                      ConfigError::Kind::unknown_key};
  EXPECT_EQ(unknown.to_string(), "hookd.toml:7: unknown key 'server.listne'");
  ConfigError no_line{"environment", 0, "HOOKD_SERVER_WORKERS", "expected x"};
  EXPECT_EQ(no_line.to_string(), "environment: HOOKD_SERVER_WORKERS: expected x");
}

}  // namespace
}  // namespace hookd::config
