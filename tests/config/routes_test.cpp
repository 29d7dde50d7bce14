// Routes in the config: [[routes]] in the file, `routes` in a plugin's
// settings (its [plugins.<name>] table or the admin API's JSON), and
// limits.max_routes. Shapes are checked here with the key named; patterns,
// functions and conflicts are the route table's (tests/routing).
#include "hookd/config/plugin_settings_json.hpp"
#include "test_helpers.hpp"

namespace hookd::config {
namespace {

using ::testing::ElementsAre;
using testing::errors_of;
using testing::fake_env;
using ::testing::HasSubstr;
using testing::parse_ok;
using testing::printed;

constexpr std::string_view kTwoRoutes = R"(
[[routes]]
methods = ["GET", "HEAD"]
path = "/r/{code}"
plugin = "shortener"
function = "resolve"

[[routes]]
path = "/hooks/*"
host = "hooks.example.com"
plugin = "hooks"
function = "receive"
)";

TEST(Routes, ReadFromTheFileInOrder) {
  const Config config = parse_ok(kTwoRoutes);
  ASSERT_EQ(config.routes.size(), 2u);
  EXPECT_EQ(config.routes[0], (RouteConfig{"shortener", {"GET", "HEAD"}, "/r/{code}", "", "resolve"}));
  EXPECT_EQ(config.routes[1], (RouteConfig{"hooks", {}, "/hooks/*", "hooks.example.com", "receive"}))
      << "no methods: any method";
  EXPECT_EQ(config.origins.at("routes").source, "hookd.toml");
  EXPECT_TRUE(validate(config).empty());
}

TEST(Routes, NoneByDefault) {
  EXPECT_TRUE(defaults().routes.empty());
  EXPECT_TRUE(parse_ok("").routes.empty());
}

TEST(Routes, WrittenBackAsTheyWereRead) {
  const Config config = parse_ok(kTwoRoutes);
  const Config again = parse_ok(to_toml(config));
  EXPECT_EQ(again.routes, config.routes);
}

TEST(Routes, MissingKeysAreNamedWithTheirEntry) {
  EXPECT_THAT(
      errors_of("[[routes]]\nmethods = [\"GET\"]\n"),
      ElementsAre("hookd.toml:1: routes[0].plugin: required: the plugin whose function serves the route",
                  "hookd.toml:1: routes[0].path: required: the path pattern, such as \"/r/{code}\"",
                  "hookd.toml:1: routes[0].function: required: the plugin function that serves the route"));
}

TEST(Routes, BadValuesAreNamedWithTheirKey) {
  const auto errors = errors_of(R"(
[[routes]]
plugin = "p"
function = "f"
path = "/ok"

[[routes]]
methods = ["get"]
path = "users"
host = "a.example:80"
plugin = "bad name"
function = "f g"
)");
  EXPECT_THAT(errors,
              ElementsAre("hookd.toml:8: routes[1].methods: entry 1: expected one of "
                          "GET|HEAD|POST|PUT|DELETE|PATCH|OPTIONS|* (upper-case), got \"get\"",
                          "hookd.toml:9: routes[1].path: must start with '/'",
                          "hookd.toml:10: routes[1].host: expected a host name (A-Z a-z 0-9 - .) "
                          "without a port",
                          "hookd.toml:11: routes[1].plugin: plugin names are 1 to 64 of A-Z a-z 0-9 _ -",
                          "hookd.toml:12: routes[1].function: a function name is 1 to 128 of "
                          "A-Z a-z 0-9 _ . -"));
}

TEST(Routes, MethodListsAreChecked) {
  const auto base = std::string("[[routes]]\nplugin = \"p\"\nfunction = \"f\"\npath = \"/x\"\n");
  EXPECT_THAT(errors_of(base + "methods = \"GET\"\n"),
              ElementsAre(HasSubstr("routes[0].methods: expected an array such as [\"GET\", \"POST\"]")));
  EXPECT_THAT(errors_of(base + "methods = [\"GET\", \"GET\"]\n"),
              ElementsAre(HasSubstr("routes[0].methods: entry 2: GET is listed twice")));
  EXPECT_THAT(errors_of(base + "methods = [\"*\", \"GET\"]\n"),
              ElementsAre(HasSubstr("\"*\" (any method) cannot be listed with others")));
  EXPECT_THAT(errors_of(base + "methods = [1]\n"), ElementsAre(HasSubstr("entry 1: expected one of")));
  EXPECT_EQ(parse_ok(base + "methods = [\"*\"]\n").routes.at(0).methods, std::vector<std::string>{"*"});
}

TEST(Routes, UnknownKeysGetAHint) {
  EXPECT_THAT(errors_of("[[routes]]\nplugin = \"p\"\nfunction = \"f\"\npaht = \"/x\"\n"),
              ElementsAre("hookd.toml:4: unknown key 'routes[0].paht' (did you mean 'path'?)"));
}

TEST(Routes, TheWrongShapeIsAnError) {
  EXPECT_THAT(errors_of("routes = \"/x\"\n"),
              ElementsAre(HasSubstr("routes: expected an array of tables ([[routes]]), got \"/x\"")));
  EXPECT_THAT(errors_of("routes = [1]\n"), ElementsAre(HasSubstr("routes[0]: expected a table, got 1")));
  EXPECT_THAT(errors_of("[routes]\npath = \"/x\"\n"), ElementsAre(HasSubstr("expected an array of tables")));
}

TEST(Routes, OversizedPathsAreRefusedAtRead) {
  const std::string text =
      "[[routes]]\nplugin = \"p\"\nfunction = \"f\"\npath = \"/" + std::string(2000, 'a') + "\"\n";
  EXPECT_THAT(errors_of(text), ElementsAre(HasSubstr("routes[0].path: must be at most 1024")));
}

TEST(Routes, APluginTableCarriesItsOwnRoutesWithoutAPluginKey) {
  const Config config = parse_ok(R"(
[plugins.shortener]
path = "shortener.wasm"

[[plugins.shortener.routes]]
methods = ["POST"]
path = "/r"
function = "create"
)");
  ASSERT_EQ(config.plugins.size(), 1u);
  EXPECT_THAT(config.plugins[0].settings.routes, ElementsAre(RouteConfig{"", {"POST"}, "/r", "", "create"}));
  EXPECT_EQ(parse_ok(to_toml(config)).plugins.at(0).settings.routes, config.plugins[0].settings.routes);

  EXPECT_THAT(
      errors_of("[plugins.s]\npath = \"s.wasm\"\n[[plugins.s.routes]]\nplugin = \"s\"\npath = \"/r\"\n"
                "function = \"f\"\n"),
      ElementsAre(HasSubstr("unknown key 'plugins.s.routes[0].plugin'")))
      << "a plugin's routes are its own";
}

TEST(Routes, SettingsJsonCarriesRoutesAndSurvivesARoundTrip) {
  auto settings = parse_plugin_settings_json(
      R"({"routes": [{"methods": ["GET"], "path": "/r/{code}", "function": "resolve"},
                     {"path": "/hook", "host": "h.example", "function": "receive"}]})");
  ASSERT_TRUE(settings) << to_string(settings.error());
  ASSERT_EQ(settings->routes.size(), 2u);
  EXPECT_EQ(settings->routes[1], (RouteConfig{"", {}, "/hook", "h.example", "receive"}));
  auto again = parse_plugin_settings_json(plugin_settings_to_json(*settings));
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *settings);
  EXPECT_EQ(plugin_settings_to_json(PluginSettings{}).find("routes"), std::string::npos)
      << "settings without routes read as before";
}

TEST(Routes, SettingsJsonErrorsNameTheEntry) {
  auto settings = parse_plugin_settings_json(
      R"({"routes": [{"path": "/ok", "function": "f"}, {"path": "x", "plugin": "other", "function": "f"}]})");
  ASSERT_FALSE(settings);
  EXPECT_THAT(printed(settings.error()),
              ElementsAre("plugin settings: routes[1].path: must start with '/'",
                          HasSubstr("plugin settings: unknown key 'routes[1].plugin'")));
  auto not_a_list = parse_plugin_settings_json(R"({"routes": {"path": "/x"}})");
  ASSERT_FALSE(not_a_list);
  EXPECT_THAT(printed(not_a_list.error()), ElementsAre(HasSubstr("routes: expected an array of tables")));
}

TEST(Routes, MaxRoutesIsALimitLikeTheOthers) {
  EXPECT_EQ(defaults().limits.max_routes, 4096u);
  EXPECT_EQ(parse_ok("[limits]\nmax_routes = 10\n").limits.max_routes, 10u);
  EXPECT_THAT(
      errors_of("[limits]\nmax_routes = 0\n"),
      ElementsAre("hookd.toml:2: limits.max_routes: expected an integer between 1 and 100000, got 0"));
  EXPECT_EQ(env_variable_for("limits.max_routes"), "HOOKD_LIMITS_MAX_ROUTES");
  Config config = defaults();
  EXPECT_TRUE(apply_env_overrides(config, fake_env({{"HOOKD_LIMITS_MAX_ROUTES", "12"}})).empty());
  EXPECT_EQ(config.limits.max_routes, 12u);
}

TEST(Routes, MoreRoutesThanMaxRoutesFailValidation) {
  Config config =
      parse_ok(std::string(kTwoRoutes) +
               "\n[plugins.p]\npath = \"p.wasm\"\n[[plugins.p.routes]]\npath = \"/p\"\nfunction = "
               "\"f\"\n");
  EXPECT_TRUE(validate(config).empty());
  config.limits.max_routes = 2;
  EXPECT_THAT(
      printed(validate(config)),
      ElementsAre("hookd.toml:2: routes: 3 routes are declared ([[routes]] and the plugins'), more than "
                  "limits.max_routes (2)"));
}

TEST(Routes, ValidateRechecksRoutesBuiltInCode) {
  Config config = defaults();
  config.routes.push_back(RouteConfig{"p", {"FETCH"}, "/x", "", "f"});
  config.plugins.push_back(PluginConfig{"q", "/q.wasm", {}});
  config.plugins[0].settings.routes.push_back(RouteConfig{"", {}, "nope", "", "f"});
  EXPECT_THAT(printed(validate(config)),
              ElementsAre(HasSubstr("plugins.q.routes[0].path: must start with '/'"),
                          HasSubstr("routes[0].methods: entry 1: expected one of")));
}

}  // namespace
}  // namespace hookd::config
