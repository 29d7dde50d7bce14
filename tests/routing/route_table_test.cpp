// The route table: precedence, captures, 404/405 and the Allow set, HEAD,
// hosts, conflicts, limits and hostile input, all through build() and
// match() as the gateway calls them.
#include "routing/route_table.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "counting_new.hpp"

namespace hookd::routing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

// A route to plugin "app"; `methods` space-separated, "" for any.
RouteSpec route(std::string methods, std::string path, std::string function, std::string host = "") {
  RouteSpec spec{"app", std::move(function), {}, std::move(host), std::move(path), ""};
  std::size_t start = 0;
  while (start < methods.size()) {
    auto end = methods.find(' ', start);
    if (end == std::string::npos) end = methods.size();
    spec.methods.push_back(methods.substr(start, end - start));
    start = end + 1;
  }
  return spec;
}

// Every function the specs name is known, unless a test says otherwise.
KnownFunctions functions_of(const std::vector<RouteSpec>& specs) {
  KnownFunctions known;
  for (const auto& spec : specs) known[spec.plugin].insert(spec.function);
  return known;
}

void number(std::vector<RouteSpec>& specs) {
  for (std::size_t i = 0; i < specs.size(); ++i) {
    if (specs[i].origin.empty()) specs[i].origin = "routes[" + std::to_string(i) + "]";
  }
}

RouteTable checked_table(std::vector<RouteSpec> specs, BuildLimits limits = {}) {
  number(specs);
  auto table = RouteTable::build(specs, functions_of(specs), limits);
  if (!table) {
    ADD_FAILURE() << table.error().message();
    return {};
  }
  return std::move(*table);
}

std::vector<std::string> problems_of(std::vector<RouteSpec> specs, BuildLimits limits = {},
                                     std::optional<KnownFunctions> known = std::nullopt) {
  number(specs);
  auto table = RouteTable::build(specs, known ? *known : functions_of(specs), limits);
  if (table) {
    ADD_FAILURE() << "the table was built";
    return {};
  }
  return table.error().problems;
}

// The function that serves a request, "404" or "405 <Allow>".
std::string serve(const RouteTable& table, std::string_view method, std::string_view path,
                  std::string_view host = "") {
  Match match;
  switch (table.match(method, host, path, match)) {
    case MatchStatus::found:
      return match.route->function;
    case MatchStatus::not_found:
      return "404";
    case MatchStatus::method_not_allowed: {
      std::array<char, 64> buffer{};
      return "405 " + std::string(match.allowed.allow_header(buffer));
    }
  }
  return "?";
}

TEST(RouteTable, AnEmptyTableFindsNothing) {
  RouteTable table;
  EXPECT_EQ(serve(table, "GET", "/"), "404");
  EXPECT_EQ(table.size(), 0u);
}

TEST(RouteTable, LiteralBeatsParameterBeatsWildcard) {
  const auto table = checked_table({route("GET", "/r/*", "rest"), route("GET", "/r/{code}", "code"),
                                    route("GET", "/r/new", "new"), route("GET", "/*", "fallback")});
  EXPECT_EQ(serve(table, "GET", "/r/new"), "new");
  EXPECT_EQ(serve(table, "GET", "/r/abc"), "code");
  EXPECT_EQ(serve(table, "GET", "/r/abc/def"), "rest");
  EXPECT_EQ(serve(table, "GET", "/other"), "fallback");
}

TEST(RouteTable, TheOrderOfDeclarationDoesNotMatter) {
  const auto forward = checked_table({route("GET", "/a/{x}", "param"), route("GET", "/a/b", "literal")});
  const auto backward = checked_table({route("GET", "/a/b", "literal"), route("GET", "/a/{x}", "param")});
  for (const auto* table : {&forward, &backward}) {
    EXPECT_EQ(serve(*table, "GET", "/a/b"), "literal");
    EXPECT_EQ(serve(*table, "GET", "/a/c"), "param");
  }
}

TEST(RouteTable, TheLongerLiteralPrefixWins) {
  const auto table = checked_table({route("GET", "/a/*", "short"), route("GET", "/a/b/*", "long"),
                                    route("GET", "/{x}/b/c", "param_first")});
  EXPECT_EQ(serve(table, "GET", "/a/b/c"), "long") << "a literal at segment 1 beats a parameter there";
  EXPECT_EQ(serve(table, "GET", "/a/b"), "short") << "/a/b/* needs a '/' after b";
  EXPECT_EQ(serve(table, "GET", "/a/x/y"), "short");
  EXPECT_EQ(serve(table, "GET", "/z/b/c"), "param_first");
}

TEST(RouteTable, ALiteralBranchThatDoesNotReachTheEndGivesWayToAParameter) {
  const auto table = checked_table({route("GET", "/a/b/c", "literal"), route("GET", "/a/{x}/d", "param")});
  EXPECT_EQ(serve(table, "GET", "/a/b/c"), "literal");
  EXPECT_EQ(serve(table, "GET", "/a/b/d"), "param");
  EXPECT_EQ(serve(table, "GET", "/a/b/e"), "404");
}

TEST(RouteTable, ParametersAreUndecodedViewsIntoThePath) {
  const auto table = checked_table({route("GET", "/u/{user}/posts/{post}", "post")});
  const std::string path = "/u/al%20ice/posts/7?x=1";
  Match match;
  ASSERT_EQ(table.match("GET", "", path, match), MatchStatus::found);
  ASSERT_THAT(match.params(), SizeIs(2));
  EXPECT_EQ(match.params()[0].name, "user");
  EXPECT_EQ(match.params()[0].value, "al%20ice");
  EXPECT_EQ(match.params()[0].value.data(), path.data() + 3) << "a view, not a copy";
  EXPECT_EQ(match.param("post"), "7") << "the query is not part of the path";
  EXPECT_EQ(match.param("nope"), std::nullopt);
}

TEST(RouteTable, ParameterNamesComeFromTheRouteThatMatched) {
  const auto table =
      checked_table({route("GET", "/r/{code}", "short"), route("GET", "/r/{id}/stats", "stats")});
  Match match;
  ASSERT_EQ(table.match("GET", "", "/r/xyz/stats", match), MatchStatus::found);
  EXPECT_EQ(match.param("id"), "xyz");
  ASSERT_EQ(table.match("GET", "", "/r/xyz", match), MatchStatus::found);
  EXPECT_EQ(match.param("code"), "xyz");
}

TEST(RouteTable, AParameterTakesOneNonEmptySegment) {
  const auto table = checked_table({route("GET", "/r/{code}", "code")});
  EXPECT_EQ(serve(table, "GET", "/r/"), "404");
  EXPECT_EQ(serve(table, "GET", "/r"), "404");
  EXPECT_EQ(serve(table, "GET", "/r/a/b"), "404");
  EXPECT_EQ(serve(table, "GET", "/r//"), "404");
}

TEST(RouteTable, TheWildcardTakesTheRestOfThePathWithItsSlashes) {
  const auto table = checked_table({route("GET", "/static/*", "files")});
  Match match;
  ASSERT_EQ(table.match("GET", "", "/static/css/site.css", match), MatchStatus::found);
  EXPECT_EQ(match.param("*"), "css/site.css");
  ASSERT_EQ(table.match("GET", "", "/static/", match), MatchStatus::found);
  EXPECT_EQ(match.param("*"), "");
  EXPECT_EQ(table.match("GET", "", "/static", match), MatchStatus::not_found);
  ASSERT_EQ(table.match("GET", "", "/static/../admin", match), MatchStatus::found)
      << "dot segments are not resolved: the plugin sees them in the value";
  EXPECT_EQ(match.param("*"), "../admin");
}

TEST(RouteTable, TheRootAndTheRootWildcard) {
  const auto table = checked_table({route("GET", "/", "home"), route("GET", "/*", "anything")});
  EXPECT_EQ(serve(table, "GET", "/"), "home");
  EXPECT_EQ(serve(table, "GET", "/?q=1"), "home");
  EXPECT_EQ(serve(table, "GET", "/x"), "anything");
  const auto only_wildcard = checked_table({route("GET", "/*", "anything")});
  Match match;
  ASSERT_EQ(only_wildcard.match("GET", "", "/", match), MatchStatus::found);
  EXPECT_EQ(match.param("*"), "");
}

TEST(RouteTable, ATrailingSlashIsAnotherPath) {
  const auto table = checked_table({route("GET", "/users", "list")});
  EXPECT_EQ(serve(table, "GET", "/users"), "list");
  EXPECT_EQ(serve(table, "GET", "/users/"), "404");
}

TEST(RouteTable, PluginCallPathsAreNotInTheTable) {
  const auto table = checked_table({route("GET", "/users", "list")});
  EXPECT_EQ(serve(table, "POST", "/plugins/app/list"), "404") << "the gateway serves these before the table";
}

TEST(RouteTable, AnotherMethodIs405WithTheAllowSet) {
  const auto table = checked_table({route("GET", "/items", "list"), route("POST", "/items", "create"),
                                    route("DELETE", "/items/{id}", "remove")});
  EXPECT_EQ(serve(table, "POST", "/items"), "create");
  EXPECT_EQ(serve(table, "PUT", "/items"), "405 GET, HEAD, POST");
  EXPECT_EQ(serve(table, "GET", "/items/3"), "405 DELETE");
  EXPECT_EQ(serve(table, "PROPFIND", "/items"), "405 GET, HEAD, POST")
      << "an unknown method is another method";
  EXPECT_EQ(serve(table, "get", "/items"), "405 GET, HEAD, POST") << "methods are case-sensitive";
}

TEST(RouteTable, ALessSpecificPatternThatTakesTheMethodWinsOverA405) {
  const auto table = checked_table({route("GET", "/u/me", "me"), route("POST", "/u/{id}", "update")});
  EXPECT_EQ(serve(table, "GET", "/u/me"), "me");
  EXPECT_EQ(serve(table, "POST", "/u/me"), "update");
  EXPECT_EQ(serve(table, "DELETE", "/u/me"), "405 GET, HEAD, POST") << "Allow: every pattern that matched";
}

TEST(RouteTable, HeadIsServedByAGetRouteUnlessARouteNamesHead) {
  const auto table = checked_table({route("GET", "/a", "get_a"), route("GET", "/b", "get_b"),
                                    route("HEAD", "/b", "head_b"), route("POST", "/c", "post_c")});
  Match match;
  ASSERT_EQ(table.match("HEAD", "", "/a", match), MatchStatus::found);
  EXPECT_EQ(match.route->function, "get_a");
  EXPECT_TRUE(match.head_as_get) << "the caller answers without a body";
  ASSERT_EQ(table.match("HEAD", "", "/b", match), MatchStatus::found);
  EXPECT_EQ(match.route->function, "head_b");
  EXPECT_FALSE(match.head_as_get);
  ASSERT_EQ(table.match("GET", "", "/a", match), MatchStatus::found);
  EXPECT_FALSE(match.head_as_get);
  EXPECT_EQ(serve(table, "HEAD", "/c"), "405 POST");
}

TEST(RouteTable, ARouteForAnyMethodTakesEveryMethod) {
  const auto table = checked_table({route("", "/hook", "hook"), route("*", "/other", "other")});
  for (std::string_view method : {"GET", "HEAD", "POST", "DELETE", "PROPFIND"}) {
    EXPECT_EQ(serve(table, method, "/hook"), "hook") << method;
    EXPECT_EQ(serve(table, method, "/other"), "other") << method;
  }
  Match match;
  ASSERT_EQ(table.match("HEAD", "", "/hook", match), MatchStatus::found);
  EXPECT_FALSE(match.head_as_get);
}

TEST(RouteTable, AHostRouteBeatsAnAnyHostRouteForItsHostOnly) {
  const auto table =
      checked_table({route("GET", "/", "default_home"), route("GET", "/", "api_home", "api.example.com"),
                     route("GET", "/admin", "api_admin", "api.example.com")});
  EXPECT_EQ(serve(table, "GET", "/", "api.example.com"), "api_home");
  EXPECT_EQ(serve(table, "GET", "/", "API.Example.COM:8443"), "api_home") << "case and port are ignored";
  EXPECT_EQ(serve(table, "GET", "/", "www.example.com"), "default_home");
  EXPECT_EQ(serve(table, "GET", "/", ""), "default_home");
  EXPECT_EQ(serve(table, "GET", "/admin", "api.example.com"), "api_admin");
  EXPECT_EQ(serve(table, "GET", "/admin", "www.example.com"), "404") << "another host does not see it";
  EXPECT_EQ(serve(table, "GET", "/admin", "api.example.com.evil"), "404");
  EXPECT_EQ(serve(table, "GET", "/admin", "[::1]:80"), "404");
}

TEST(RouteTable, AHostRouteForOtherMethodsFallsBackToTheAnyHostRoute) {
  const auto table =
      checked_table({route("GET", "/x", "host_get", "a.example"), route("POST", "/x", "any_post")});
  EXPECT_EQ(serve(table, "GET", "/x", "a.example"), "host_get");
  EXPECT_EQ(serve(table, "POST", "/x", "a.example"), "any_post");
  EXPECT_EQ(serve(table, "PUT", "/x", "a.example"), "405 GET, HEAD, POST");
  EXPECT_EQ(serve(table, "PUT", "/x", "b.example"), "405 POST");
}

TEST(RouteTable, RoutesWithTheSameShapeAndOverlappingMethodsConflict) {
  auto problems = problems_of({route("GET", "/r/{a}", "one"), route("GET POST", "/r/{b}", "two")});
  ASSERT_THAT(problems, SizeIs(1));
  EXPECT_THAT(problems[0],
              HasSubstr("routes[1] (\"GET,POST\" \"/r/{b}\" -> app.two): conflicts with routes[0] "
                        "(\"GET\" \"/r/{a}\" -> app.one)"));

  EXPECT_THAT(problems_of({route("", "/x", "one"), route("DELETE", "/x", "two")}),
              ElementsAre(HasSubstr("conflicts with routes[0]")))
      << "any method overlaps every method";
  EXPECT_THAT(problems_of({route("GET", "/s/*", "one"), route("GET", "/s/*", "two")}),
              ElementsAre(HasSubstr("conflicts with routes[0]")));
  EXPECT_THAT(problems_of({route("GET", "/h", "one", "A.example"), route("GET", "/h", "two", "a.example")}),
              ElementsAre(HasSubstr("conflicts with routes[0]")))
      << "host names are compared without case";
}

TEST(RouteTable, RoutesThatDifferInShapeMethodOrHostDoNotConflict) {
  const auto table =
      checked_table({route("GET", "/r/{a}", "get"), route("POST", "/r/{b}", "post"),
                     route("GET", "/r/{a}", "other_host", "b.example"), route("GET", "/r/*", "rest"),
                     route("GET", "/r", "bare"), route("HEAD", "/r/{c}", "head")});
  EXPECT_EQ(table.size(), 6u);
  EXPECT_EQ(serve(table, "POST", "/r/1"), "post");
  EXPECT_EQ(serve(table, "HEAD", "/r/1"), "head");
  EXPECT_EQ(serve(table, "GET", "/r/1", "b.example"), "other_host");
}

TEST(RouteTable, RoutesMustNameALoadedPluginsFunction) {
  std::vector<RouteSpec> specs{route("GET", "/a", "missing"), route("GET", "/b", "run")};
  specs[1].plugin = "ghost";
  const KnownFunctions known{{"app", {"run"}}};
  EXPECT_THAT(
      problems_of(specs, {}, known),
      ElementsAre(HasSubstr("routes[0] (\"GET\" \"/a\" -> app.missing): plugin app has no function "
                            "\"missing\""),
                  HasSubstr("routes[1] (\"GET\" \"/b\" -> ghost.run): plugin \"ghost\" is not loaded")));
}

TEST(RouteTable, BadMethodsAndHostsNameTheRoute) {
  EXPECT_THAT(problems_of({route("get", "/a", "f")}),
              ElementsAre(HasSubstr("routes[0] (\"get\" \"/a\" -> app.f): "
                                    "unknown method \"get\"")));
  EXPECT_THAT(problems_of({route("GET GET", "/a", "f")}),
              ElementsAre(HasSubstr("method GET is listed twice")));
  EXPECT_THAT(problems_of({route("* GET", "/a", "f")}),
              ElementsAre(HasSubstr("cannot be listed with others")));
  EXPECT_THAT(problems_of({route("GET", "/a", "f", "a.example:80")}),
              ElementsAre(HasSubstr("without a port")));
  EXPECT_THAT(problems_of({route("GET", "/a", "f", "a..example")}), ElementsAre(HasSubstr("empty label")));
  EXPECT_THAT(problems_of({route("GET", "/a", "f", std::string(254, 'a'))}),
              ElementsAre(HasSubstr("host longer than 253 bytes")));
}

TEST(RouteTable, BadPatternsNameTheRouteAndTheProblem) {
  EXPECT_THAT(problems_of({route("GET", "/r/{id}/{id}", "f")}),
              ElementsAre("routes[0] (\"GET\" \"/r/{id}/{id}\" -> app.f): path: segment 3: parameter {id} "
                          "appears twice"));
  EXPECT_THAT(problems_of({route("GET", "/a/../b", "f")}), ElementsAre(HasSubstr("path: segment 2")));
  EXPECT_THAT(problems_of({route("GET", "/a%20b", "f")}), ElementsAre(HasSubstr("percent-escapes")));
  EXPECT_THAT(problems_of({route("GET", "/a//b", "f")}), ElementsAre(HasSubstr("empty segment")));
}

TEST(RouteTable, AnOversizedPatternIsNamedNotRepeated) {
  const auto problems = problems_of({route("GET", "/" + std::string(100'000, 'x'), "f")});
  ASSERT_THAT(problems, SizeIs(1));
  EXPECT_THAT(problems[0], HasSubstr("path: longer than 1024 bytes"));
  EXPECT_LT(problems[0].size(), 400u);
}

TEST(RouteTable, ControlBytesInMessagesAreEscaped) {
  const auto problems = problems_of({route("GET", std::string("/a\nb\x1b[2J", 9), "f")});
  ASSERT_THAT(problems, SizeIs(1));
  EXPECT_THAT(problems[0], HasSubstr("/a\\x0ab\\x1b[2J"));
  EXPECT_EQ(problems[0].find('\n'), std::string::npos);
}

TEST(RouteTable, EveryProblemIsReportedUpToACap) {
  std::vector<RouteSpec> specs;
  for (int i = 0; i < 100; ++i) specs.push_back(route("GET", "bad" + std::to_string(i), "f"));
  const auto problems = problems_of(specs);
  ASSERT_THAT(problems, SizeIs(BuildError::kMaxProblems + 1));
  EXPECT_THAT(problems.front(), HasSubstr("routes[0]"));
  EXPECT_EQ(problems.back(), "... and 68 more problems");
}

TEST(RouteTable, MoreRoutesThanTheLimitAreRefusedBeforeAnyWork) {
  std::vector<RouteSpec> specs;
  for (int i = 0; i < 5; ++i) specs.push_back(route("GET", "/r" + std::to_string(i), "f"));
  EXPECT_THAT(problems_of(specs, BuildLimits{4}),
              ElementsAre("5 routes are declared, more than limits.max_routes (4)"));
  EXPECT_EQ(checked_table(specs, BuildLimits{5}).size(), 5u);
}

TEST(RouteTable, AThousandRoutesEachFindTheirOwn) {
  std::vector<RouteSpec> specs;
  for (int i = 0; i < 1000; ++i) {
    specs.push_back(route("GET", "/svc" + std::to_string(i % 10) + "/item" + std::to_string(i) + "/{id}",
                          "f" + std::to_string(i)));
  }
  const auto table = checked_table(specs);
  for (int i = 0; i < 1000; i += 37) {
    EXPECT_EQ(serve(table, "GET", "/svc" + std::to_string(i % 10) + "/item" + std::to_string(i) + "/9"),
              "f" + std::to_string(i));
  }
  EXPECT_EQ(serve(table, "GET", "/svc1/item2/9"), "404") << "item2 is under svc2";
}

TEST(RouteTable, HostileRequestPathsAreAnsweredNotCrashedOn) {
  const auto table = checked_table({route("GET", "/a/{x}/*", "deep"), route("GET", "/", "home")});
  std::string deep;
  for (int i = 0; i < 50'000; ++i) deep += "/a";
  EXPECT_EQ(serve(table, "GET", deep), "deep");
  EXPECT_EQ(serve(table, "GET", std::string(100'000, '/')), "404");
  EXPECT_EQ(serve(table, "GET", ""), "404");
  EXPECT_EQ(serve(table, "GET", "*"), "404");
  EXPECT_EQ(serve(table, "GET", "http://example.com/"), "404") << "absolute-form is the caller's to reduce";
  EXPECT_EQ(serve(table, "GET", std::string("/a/\0/z", 6)), "deep");
  EXPECT_EQ(serve(table, "", "/"), "405 GET, HEAD");
}

TEST(RouteTable, ALookupDoesNotAllocate) {
  std::vector<RouteSpec> specs;
  for (int i = 0; i < 1000; ++i) specs.push_back(route("GET", "/items/n" + std::to_string(i) + "/{id}", "f"));
  specs.push_back(route("POST", "/items/{kind}/{id}/*", "g"));
  specs.push_back(route("GET", "/items/x/{id}", "h", "a.example"));
  const auto table = checked_table(specs);
  Match match;
  const std::string long_segment = "/items/" + std::string(4096, 'q') + "/1/z";
  const auto before = testing::allocations_on_this_thread();
  EXPECT_EQ(table.match("GET", "", "/items/n999/7", match), MatchStatus::found);
  EXPECT_EQ(table.match("POST", "x", "/items/a/b/c/d/e", match), MatchStatus::found);
  EXPECT_EQ(table.match("GET", "A.EXAMPLE:1", "/items/x/1", match), MatchStatus::found);
  EXPECT_EQ(table.match("DELETE", "", "/items/n1/7", match), MatchStatus::method_not_allowed);
  EXPECT_EQ(table.match("GET", "", long_segment, match), MatchStatus::method_not_allowed);
  EXPECT_EQ(table.match("GET", "", "/nothing/here", match), MatchStatus::not_found);
  std::array<char, 64> buffer{};
  EXPECT_EQ(match.allowed.allow_header(buffer), "");
  EXPECT_EQ(testing::allocations_on_this_thread(), before);

  // The counter sees this thread's allocations (so the check above can fail).
  const std::string copy = long_segment + "!";
  EXPECT_GT(testing::allocations_on_this_thread(), before);
}

TEST(RouteTable, TheAllowHeaderListsEveryMethodInAFixedBuffer) {
  std::array<char, 64> buffer{};
  EXPECT_EQ(MethodSet::all().allow_header(buffer), "GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS");
  MethodSet set;
  set.add(Method::options);
  set.add(Method::get);
  EXPECT_EQ(set.allow_header(buffer), "GET, HEAD, OPTIONS");
}

}  // namespace
}  // namespace hookd::routing
