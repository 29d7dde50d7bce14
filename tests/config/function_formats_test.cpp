// A plugin's `formats` setting (the payload formats of Extism and waPC
// functions): read from [plugins.<name>] in TOML and from the admin API's
// settings JSON with the same rules, hostile values refused with the key
// named, and written back only when set, beside `functions`.
#include "hookd/config/plugin_settings_json.hpp"
#include "test_helpers.hpp"

namespace hookd::config {
namespace {

using ::testing::ElementsAre;
using testing::errors_of;
using testing::parse_ok;
using testing::printed;

TEST(FunctionFormats, ReadFromAPluginTableBesideItsFunctions) {
  const Config config = parse_ok(R"(
[plugins.calc]
path = "calc.wasm"
functions = ["sum", "render", "raw"]
formats = { sum = "msgpack", render = "json", raw = "bytes" }

[plugins.notes]
path = "notes.wasm"
[plugins.notes.formats]
"note.v2" = "text"
)");
  ASSERT_EQ(config.plugins.size(), 2u);
  const PluginSettings& calc = config.plugins[0].settings;
  ASSERT_EQ(calc.functions.size(), 3u) << "functions = [...] reads as before";
  EXPECT_EQ(calc.formats, (std::map<std::string, PayloadFormat>{{"sum", PayloadFormat::msgpack},
                                                                {"render", PayloadFormat::json},
                                                                {"raw", PayloadFormat::bytes}}));
  EXPECT_EQ(config.plugins[1].settings.formats,
            (std::map<std::string, PayloadFormat>{{"note.v2", PayloadFormat::text}}));
}

TEST(FunctionFormats, AbsentMeansNone) {
  const Config config = parse_ok("[plugins.bare]\npath = \"bare.wasm\"\nfunctions = [\"a\", \"b\"]\n");
  EXPECT_TRUE(config.plugins.at(0).settings.formats.empty());
}

TEST(FunctionFormats, HostileValuesAreRefusedNamingTheKey) {
  EXPECT_THAT(
      errors_of(R"(
[plugins.calc]
path = "calc.wasm"
formats = { sum = "protobuf", "no spaces" = "json", n = 3, t = { input = "msgpack" } }
)"),
      ElementsAre("hookd.toml:4: plugins.calc.formats.n: expected one of bytes|msgpack|json|text, got 3",
                  "hookd.toml:4: plugins.calc.formats.\"no spaces\": a function name is 1 to 128 of "
                  "A-Z a-z 0-9 _ . -",
                  "hookd.toml:4: plugins.calc.formats.sum: expected one of bytes|msgpack|json|text, got "
                  "\"protobuf\"",
                  "hookd.toml:4: plugins.calc.formats.t: expected one of bytes|msgpack|json|text, got "
                  "a table"));
  EXPECT_THAT(
      errors_of("[plugins.calc]\npath = \"calc.wasm\"\nformats = [\"msgpack\"]\n"),
      ElementsAre("hookd.toml:3: plugins.calc.formats: expected a table such as { fn = \"msgpack\" }, "
                  "got an array"));
  std::string many = "[plugins.calc]\npath = \"calc.wasm\"\n[plugins.calc.formats]\n";
  for (int i = 0; i <= 1024; ++i) many += "f" + std::to_string(i) + " = \"json\"\n";
  EXPECT_THAT(errors_of(many), ElementsAre(::testing::HasSubstr("at most 1024 entries are allowed")));
  const std::string long_name(129, 'f');
  EXPECT_THAT(errors_of("[plugins.calc]\npath = \"calc.wasm\"\nformats = { " + long_name + " = \"json\" }\n"),
              ElementsAre(::testing::HasSubstr("a function name is 1 to 128")));
}

TEST(FunctionFormats, JsonSettingsTakeTheSameShape) {
  auto parsed = parse_plugin_settings_json(R"({"functions": ["sum"], "formats": {"sum": "msgpack"}})");
  ASSERT_TRUE(parsed) << to_string(parsed.error());
  EXPECT_EQ(parsed->formats, (std::map<std::string, PayloadFormat>{{"sum", PayloadFormat::msgpack}}));

  auto bad = parse_plugin_settings_json(R"({"formats": {"sum": "MSGPACK", "": "json", "x": null}})");
  ASSERT_FALSE(bad);
  EXPECT_THAT(printed(bad.error()),
              ElementsAre("plugin settings: formats.x: null is not allowed; leave the key out instead"));
  bad = parse_plugin_settings_json(R"({"formats": {"sum": "MSGPACK", "": "json"}})");
  ASSERT_FALSE(bad);
  EXPECT_THAT(printed(bad.error()),
              ElementsAre("plugin settings: formats.\"\": a function name is 1 to 128 of A-Z a-z 0-9 _ . -",
                          "plugin settings: formats.sum: expected one of bytes|msgpack|json|text, got "
                          "\"MSGPACK\""));
  bad = parse_plugin_settings_json(R"({"formats": "msgpack"})");
  ASSERT_FALSE(bad);
  EXPECT_THAT(printed(bad.error()), ElementsAre("plugin settings: formats: expected a table such as "
                                                "{ fn = \"msgpack\" }, got \"msgpack\""));
}

TEST(FunctionFormats, RoundTripThroughJsonAndAreWrittenOnlyWhenSet) {
  PluginSettings settings;
  settings.functions = {FunctionName{"sum"}, FunctionName{"render"}};
  settings.formats = {{"sum", PayloadFormat::msgpack}, {"render", PayloadFormat::text}};
  const std::string json = plugin_settings_to_json(settings);
  EXPECT_NE(json.find(R"("formats":{"render":"text","sum":"msgpack"})"), std::string::npos) << json;
  auto parsed = parse_plugin_settings_json(json);
  ASSERT_TRUE(parsed) << to_string(parsed.error());
  EXPECT_EQ(*parsed, settings);

  EXPECT_EQ(plugin_settings_to_json(PluginSettings{}).find("formats"), std::string::npos);
}

}  // namespace
}  // namespace hookd::config
