// From the config to a table: [[routes]] of a file and a plugin's own
// routes become specs whose errors say where each route was declared.
#include "routing/route_specs.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "hookd/config/plugin_settings_json.hpp"

namespace hookd::routing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(RouteSpecs, FileRoutesAndPluginRoutesBuildOneTable) {
  auto config = config::parse_config(R"(
[[routes]]
methods = ["GET"]
path = "/r/{code}"
plugin = "shortener"
function = "resolve"

[[routes]]
path = "/hook/*"
host = "hooks.example.com"
plugin = "hooks"
function = "receive"
)",
                                     "hookd.toml");
  ASSERT_TRUE(config) << config::to_string(config.error());
  auto settings = config::parse_plugin_settings_json(
      R"({"routes": [{"methods": ["POST"], "path": "/r", "function": "create"}]})");
  ASSERT_TRUE(settings) << config::to_string(settings.error());

  auto specs = file_routes(*config);
  append_plugin_routes("shortener", *settings, specs);
  ASSERT_EQ(specs.size(), 3u);
  EXPECT_EQ(specs[0].origin, "hookd.toml: routes[0]");
  EXPECT_EQ(specs[2].origin, "plugin shortener: routes[0]");
  EXPECT_EQ(specs[2].plugin, "shortener");

  const KnownFunctions known{{"shortener", {"resolve", "create"}}, {"hooks", {"receive"}}};
  auto table = RouteTable::build(specs, known, build_limits(config->limits));
  ASSERT_TRUE(table) << table.error().message();
  Match match;
  ASSERT_EQ(table->match("POST", "", "/r", match), MatchStatus::found);
  EXPECT_EQ(match.route->function, "create");
  ASSERT_EQ(table->match("GET", "", "/r/abc", match), MatchStatus::found);
  EXPECT_EQ(match.route->function, "resolve");
  ASSERT_EQ(table->match("PUT", "hooks.example.com", "/hook/github", match), MatchStatus::found);
  EXPECT_EQ(match.route->plugin, "hooks");
}

TEST(RouteSpecs, AConflictBetweenTheFileAndAPluginNamesBoth) {
  auto config =
      config::parse_config("[[routes]]\npath = \"/r/{a}\"\nplugin = \"p\"\nfunction = \"f\"\n", "hookd.toml");
  ASSERT_TRUE(config);
  config::PluginSettings settings;
  settings.routes.push_back({"", {"GET"}, "/r/{b}", "", "g"});
  auto specs = file_routes(*config);
  append_plugin_routes("p", settings, specs);
  auto table = RouteTable::build(specs, KnownFunctions{{"p", {"f", "g"}}});
  ASSERT_FALSE(table);
  EXPECT_THAT(
      table.error().problems,
      ElementsAre(HasSubstr("plugin p: routes[0] (\"GET\" \"/r/{b}\" -> p.g): conflicts with hookd.toml: "
                            "routes[0] (\"*\" \"/r/{a}\" -> p.f)")));
}

TEST(RouteSpecs, TheLimitComesFromLimitsMaxRoutes) {
  config::LimitsConfig limits;
  limits.max_routes = 7;
  EXPECT_EQ(build_limits(limits).max_routes, 7u);
}

}  // namespace
}  // namespace hookd::routing
