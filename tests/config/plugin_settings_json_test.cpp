#include "hookd/config/plugin_settings_json.hpp"

#include "test_helpers.hpp"

namespace hookd::config {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::printed;

PluginSettings full_settings() {
  PluginSettings settings;
  settings.sha256 = std::string(64, 'a');
  settings.limits.max_memory_pages = 32;
  settings.limits.deadline = 250ms;
  settings.limits.max_concurrency = 4;
  settings.config = {{"greeting", "Hi"}, {"dotted.key", "v"}, {"empty", ""}};
  settings.grants.kv = KvGrant{"shared", KvMode::read_write};
  settings.grants.fetch = {FetchPattern::parse("https://api.example.com").value(),
                           FetchPattern::parse("http://*.example.org:8080").value()};
  settings.grants.config = true;  // not the default
  settings.grants.log_level = LogLevel::debug;
  settings.grants.log_rate_per_sec = 7;
  settings.functions = {FunctionName::parse("echo").value(), FunctionName::parse("count_vowels").value()};
  settings.formats = {{"count_vowels", PayloadFormat::msgpack}, {"echo", PayloadFormat::text}};
  return settings;
}

TEST(PluginSettingsJson, RoundTripsEverySetting) {
  const PluginSettings settings = full_settings();
  const std::string json = plugin_settings_to_json(settings);
  auto parsed = parse_plugin_settings_json(json);
  ASSERT_TRUE(parsed) << to_string(parsed.error()) << "\n" << json;
  EXPECT_EQ(*parsed, settings);
}

TEST(PluginSettingsJson, RoundTripsTheDefaults) {
  auto parsed = parse_plugin_settings_json(plugin_settings_to_json(PluginSettings{}));
  ASSERT_TRUE(parsed) << to_string(parsed.error());
  EXPECT_EQ(*parsed, PluginSettings{});
}

TEST(PluginSettingsJson, AcceptsTheSameShapeAsTheTomlTable) {
  auto parsed = parse_plugin_settings_json(R"({
    "deadline_ms": 100,
    "config": {"greeting": "Hi", "n": 2, "on": true},
    "grants": {"kv": {"mode": "rw"}, "fetch": ["https://api.example.com"]}
  })",
                                           "echo");
  ASSERT_TRUE(parsed) << to_string(parsed.error());
  EXPECT_EQ(parsed->limits.deadline, 100ms);
  EXPECT_EQ(parsed->config.at("n"), "2");
  EXPECT_EQ(parsed->config.at("on"), "true");
  EXPECT_EQ(parsed->grants.kv->namespace_name, "echo");
  EXPECT_EQ(parsed->grants.fetch.size(), 1u);
}

// waPC plugins carry no list of their operations: settings declare them.
TEST(PluginSettingsJson, DeclaredFunctionsAreNamesOfTheNativeShape) {
  auto parsed = parse_plugin_settings_json(R"({"functions": ["echo", "count.vowels-2"]})");
  ASSERT_TRUE(parsed) << to_string(parsed.error());
  ASSERT_EQ(parsed->functions.size(), 2u);
  EXPECT_EQ(parsed->functions[1].name, "count.vowels-2");

  auto bad = parse_plugin_settings_json(R"({"functions": ["ok", "no spaces", "", 7]})");
  ASSERT_FALSE(bad);
  EXPECT_THAT(
      printed(bad.error()),
      ElementsAre("plugin settings: functions: entry 2: a function name is 1 to 128 of A-Z a-z 0-9 _ . -",
                  "plugin settings: functions: entry 3: a function name is 1 to 128 of A-Z a-z 0-9 _ . -",
                  "plugin settings: functions: entry 4: expected a string, got 7"));
}

TEST(PluginSettingsJson, EmptyObjectMeansDefaults) {
  auto parsed = parse_plugin_settings_json("{}");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, PluginSettings{});
}

TEST(PluginSettingsJson, ErrorsNameTheKeyPath) {
  auto parsed = parse_plugin_settings_json(R"({
    "path": "x.wasm",
    "max_memory_pages": 0,
    "grants": {"kv": {"mode": "w"}, "fetch": ["gopher://x.org"], "color": "red"},
    "config": {"a": [1]}
  })");
  ASSERT_FALSE(parsed);
  EXPECT_THAT(printed(parsed.error()),
              ElementsAre("plugin settings: config.a: expected a string, number or boolean, got an array",
                          "plugin settings: unknown key 'grants.color'",
                          HasSubstr("plugin settings: grants.fetch: entry 1: expected scheme://host[:port]"),
                          "plugin settings: grants.kv.mode: expected one of r|rw, got \"w\"",
                          "plugin settings: max_memory_pages: expected an integer between 1 and 65536, got 0",
                          "plugin settings: unknown key 'path'"));
}

TEST(PluginSettingsJson, NullIsRejected) {
  auto parsed = parse_plugin_settings_json(R"({"grants": {"kv": null}})");
  ASSERT_FALSE(parsed);
  EXPECT_THAT(printed(parsed.error()),
              ElementsAre("plugin settings: grants.kv: null is not allowed; leave the key out instead"));
}

TEST(PluginSettingsJson, SyntaxErrorsNameTheLine) {
  auto parsed = parse_plugin_settings_json("{\n  \"deadline_ms\": 5,\n  oops\n}");
  ASSERT_FALSE(parsed);
  ASSERT_EQ(parsed.error().size(), 1u);
  EXPECT_EQ(parsed.error()[0].line, 3);
  EXPECT_EQ(parsed.error()[0].kind, ConfigError::Kind::syntax);
  EXPECT_FALSE(parse_plugin_settings_json("[]"));
  EXPECT_FALSE(parse_plugin_settings_json("{} {}"));
  EXPECT_FALSE(parse_plugin_settings_json(""));
}

TEST(PluginSettingsJson, HugeNumbersAreRejectedNotWrapped) {
  auto parsed = parse_plugin_settings_json(R"({"max_concurrency": 18446744073709551615})");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error()[0].key, "max_concurrency");
}

}  // namespace
}  // namespace hookd::config
