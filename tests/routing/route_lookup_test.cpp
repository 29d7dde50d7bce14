// The lookup's fast paths keep the table's answers: literal children in one
// hash table for the whole trie (literal_edges.hpp), the loop that comes
// back up to a parameter or a wildcard, the host pass skipped when no route
// names a host, and match_path() (the method and the path as the gateway
// has parsed them).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "routing/route_table.hpp"

namespace hookd::routing {
namespace {

RouteSpec route(std::vector<std::string> methods, std::string path, std::string function,
                std::string host = "") {
  return RouteSpec{"app",           std::move(function), std::move(methods),
                   std::move(host), std::move(path),     "a route"};
}

RouteTable table_of(const std::vector<RouteSpec>& specs) {
  KnownFunctions known;
  for (const auto& spec : specs) known[spec.plugin].insert(spec.function);
  auto table = RouteTable::build(specs, known);
  if (!table) {
    ADD_FAILURE() << table.error().message();
    return {};
  }
  return std::move(*table);
}

// The function that serves a request through match_path, "404" or "405".
std::string serve(const RouteTable& table, std::optional<Method> method, std::string_view path,
                  std::string_view host = "") {
  Match match;
  switch (table.match_path(method, host, path, match)) {
    case MatchStatus::found:
      return match.route->function;
    case MatchStatus::not_found:
      return "404";
    case MatchStatus::method_not_allowed:
      return "405";
  }
  return "?";
}

// The shapes of the gateway's route benchmark (loadtest/scenarios/lib.sh,
// bench_routes): a crowded root, a crowded /api/v1, and a parameter node
// with many literal children below it.
struct Crowd {
  std::vector<RouteSpec> specs;
  std::vector<std::string> requests;  // requests[i]: one that only specs[i] serves
};

Crowd crowd(int n) {
  Crowd c;
  for (int i = 0; i < n; ++i) {
    const std::string k = std::to_string(i);
    switch (i % 5) {
      case 0:
        c.specs.push_back(route({"GET"}, "/r" + k + "/lit/a", "f" + k));
        c.requests.push_back("/r" + k + "/lit/a");
        break;
      case 1:
        c.specs.push_back(route({"GET"}, "/api/v1/r" + k + "/{x}", "f" + k));
        c.requests.push_back("/api/v1/r" + k + "/7");
        break;
      case 2:
        c.specs.push_back(route({"GET"}, "/static" + k + "/*", "f" + k));
        c.requests.push_back("/static" + k + "/css/site.css");
        break;
      case 3:
        c.specs.push_back(route({"GET"}, "/api/v1/echo/{id}/r" + k, "f" + k));
        c.requests.push_back("/api/v1/echo/7/r" + k);
        break;
      default:
        // Longer than a word, sharing their last eight bytes and their
        // first: only the middle tells them apart.
        c.specs.push_back(route({"GET"}, "/svc-" + k + "-internal-service/v1", "f" + k));
        c.requests.push_back("/svc-" + k + "-internal-service/v1");
        break;
    }
  }
  return c;
}

TEST(RouteLookup, AThousandRoutesOfMixedShapesEachServeTheirOwnRequestOnly) {
  const Crowd c = crowd(1000);
  const RouteTable table = table_of(c.specs);
  ASSERT_EQ(table.size(), 1000u);
  for (std::size_t i = 0; i < c.specs.size(); ++i) {
    EXPECT_EQ(serve(table, Method::get, c.requests[i]), c.specs[i].function) << c.requests[i];
    // The first segment with a byte more, its first byte less, or another
    // first byte: no route.
    const std::string& r = c.requests[i];
    const std::size_t cut = r.find('/', 1);
    const std::string first = r.substr(0, cut);
    const std::string rest = cut == std::string::npos ? "" : r.substr(cut);
    EXPECT_EQ(serve(table, Method::get, first + "x" + rest), "404") << first + "x" + rest;
    EXPECT_EQ(serve(table, Method::get, "/" + first.substr(2) + rest), "404") << r;
    std::string changed = first;
    changed[1] = changed[1] == 'q' ? 'z' : 'q';
    EXPECT_EQ(serve(table, Method::get, changed + rest), "404") << changed + rest;
  }
  EXPECT_EQ(serve(table, Method::post, c.requests[0]), "405");
  EXPECT_EQ(serve(table, Method::get, "/api/v1/echo/7"), "404") << "only routes below it";
}

TEST(RouteLookup, TheSameSegmentUnderAnotherParentIsAnotherEdge) {
  const auto table = table_of({route({"GET"}, "/a/x/end", "ax"), route({"GET"}, "/b/x", "bx"),
                               route({"GET"}, "/x", "x"), route({"GET"}, "/a/{p}/x", "apx")});
  EXPECT_EQ(serve(table, Method::get, "/a/x/end"), "ax");
  EXPECT_EQ(serve(table, Method::get, "/b/x"), "bx");
  EXPECT_EQ(serve(table, Method::get, "/x"), "x");
  EXPECT_EQ(serve(table, Method::get, "/a/x"), "404");
  EXPECT_EQ(serve(table, Method::get, "/b/x/end"), "404");
  EXPECT_EQ(serve(table, Method::get, "/x/end"), "404");
  EXPECT_EQ(serve(table, Method::get, "/a/x/x"), "apx") << "the literal x below /a leads nowhere";
}

TEST(RouteLookup, LongSegmentsAreComparedWhole) {
  const auto table =
      table_of({route({"GET"}, "/aaaaaaaaaaaaaaaa-suffix1", "one"),
                route({"GET"}, "/baaaaaaaaaaaaaaa-suffix1", "two"), route({"GET"}, "/abcdefgh", "eight")});
  EXPECT_EQ(serve(table, Method::get, "/aaaaaaaaaaaaaaaa-suffix1"), "one");
  EXPECT_EQ(serve(table, Method::get, "/baaaaaaaaaaaaaaa-suffix1"), "two");
  EXPECT_EQ(serve(table, Method::get, "/caaaaaaaaaaaaaaa-suffix1"), "404") << "the same last eight bytes";
  EXPECT_EQ(serve(table, Method::get, "/aaaaaaaaaaaaaaab-suffix1"), "404");
  EXPECT_EQ(serve(table, Method::get, "/abcdefgh"), "eight");
  EXPECT_EQ(serve(table, Method::get, "/xabcdefgh"), "404") << "eight bytes that are the tail of nine";
  EXPECT_EQ(serve(table, Method::get, "/bcdefgh"), "404");
}

TEST(RouteLookup, TheSearchComesBackUpThroughEveryLevelWithItsCaptures) {
  const auto table =
      table_of({route({"GET"}, "/a/b/c/x", "deep_literal"), route({"GET"}, "/a/{p}/c/d", "param"),
                route({"GET"}, "/a/b/{q}/e", "inner_param"), route({"GET"}, "/a/*", "wildcard"),
                route({"GET"}, "/*", "root")});
  Match match;
  ASSERT_EQ(table.match_path(Method::get, "", "/a/b/c/d", match), MatchStatus::found);
  EXPECT_EQ(match.route->function, "param");
  ASSERT_THAT(match.params(), ::testing::SizeIs(1));
  EXPECT_EQ(match.param("p"), "b");
  ASSERT_EQ(table.match_path(Method::get, "", "/a/b/c/e", match), MatchStatus::found);
  EXPECT_EQ(match.route->function, "inner_param");
  EXPECT_EQ(match.param("q"), "c");
  ASSERT_EQ(table.match_path(Method::get, "", "/a/b/c/f", match), MatchStatus::found);
  EXPECT_EQ(match.route->function, "wildcard");
  ASSERT_THAT(match.params(), ::testing::SizeIs(1)) << "the captures of the branches tried are gone";
  EXPECT_EQ(match.param("*"), "b/c/f");
  ASSERT_EQ(table.match_path(Method::get, "", "/b/c", match), MatchStatus::found);
  EXPECT_EQ(match.route->function, "root");
  EXPECT_EQ(match.param("*"), "b/c");
}

TEST(RouteLookup, WithoutHostRoutesTheHostMakesNoDifference) {
  const auto table = table_of({route({"GET"}, "/x", "any_host")});
  EXPECT_FALSE(table.names_hosts());
  EXPECT_EQ(serve(table, Method::get, "/x"), "any_host");
  EXPECT_EQ(serve(table, Method::get, "/x", "a.example"), "any_host");
  EXPECT_EQ(serve(table, Method::get, "/x", "[::1]:8080"), "any_host");
  EXPECT_EQ(serve(table, Method::get, "/x", "not a host"), "any_host");
}

TEST(RouteLookup, OneHostRouteMakesTheTableLookAtHosts) {
  const auto table = table_of({route({"GET"}, "/x", "any_host"), route({"GET"}, "/x", "a_host", "a.example"),
                               route({"POST"}, "/y", "a_post", "a.example"), route({"GET"}, "/z", "z_any")});
  EXPECT_TRUE(table.names_hosts());
  EXPECT_EQ(serve(table, Method::get, "/x", "A.example:80"), "a_host");
  EXPECT_EQ(serve(table, Method::get, "/x", "b.example"), "any_host");
  EXPECT_EQ(serve(table, Method::get, "/x"), "any_host");
  EXPECT_EQ(serve(table, Method::post, "/y", "a.example"), "a_post");
  EXPECT_EQ(serve(table, Method::post, "/y", "b.example"), "404");
  EXPECT_EQ(serve(table, Method::get, "/y", "a.example"), "405");
  EXPECT_EQ(serve(table, Method::get, "/z", "a.example"), "z_any");
}

TEST(RouteLookup, MatchPathTakesAParsedMethodAndAPathWithoutItsQuery) {
  const auto table = table_of({route({"GET"}, "/r/{code}", "get"), route({}, "/any/{code}", "any")});
  EXPECT_EQ(serve(table, Method::head, "/r/1"), "get") << "HEAD is served by GET";
  EXPECT_EQ(serve(table, std::nullopt, "/r/1"), "405") << "a method no route names";
  EXPECT_EQ(serve(table, std::nullopt, "/any/1"), "any");
  Match match;
  ASSERT_EQ(table.match_path(Method::get, "", "/r/1?x", match), MatchStatus::found);
  EXPECT_EQ(match.param("code"), "1?x") << "the caller has cut the query";
  ASSERT_EQ(table.match("GET", "", "/r/1?x", match), MatchStatus::found);
  EXPECT_EQ(match.param("code"), "1");
}

}  // namespace
}  // namespace hookd::routing
