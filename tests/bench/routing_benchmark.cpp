// One route lookup (RouteTable::match) in a table of 10 and of 1,000 routes:
// literal prefixes, a parameter, some host routes and wildcards, as an API
// gateway's table looks. The paths cycle through every route, so the cost
// is an average over the table, not one hot path.
// build/tests/bench/routing_benchmark
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "routing/route_table.hpp"

namespace {

using namespace hookd::routing;

struct Fixture {
  RouteTable table;
  std::vector<std::string> paths;  // one that each route serves
};

Fixture make(int routes) {
  std::vector<RouteSpec> specs;
  Fixture fixture;
  for (int i = 0; i < routes; ++i) {
    const std::string service = "svc" + std::to_string(i % 25);
    const std::string resource = "res" + std::to_string(i);
    RouteSpec spec{"app", "f", {i % 3 == 0 ? "POST" : "GET"}, "", "", "routes[" + std::to_string(i) + "]"};
    switch (i % 5) {
      case 0:
      case 1:
      case 2:
        spec.path = "/api/v1/" + service + "/" + resource + "/{id}";
        fixture.paths.push_back("/api/v1/" + service + "/" + resource + "/12345");
        break;
      case 3:
        spec.path = "/api/v1/" + service + "/" + resource;
        fixture.paths.push_back(spec.path + "?page=2");
        break;
      default:
        spec.path = "/static/" + service + "/" + resource + "/*";
        fixture.paths.push_back("/static/" + service + "/" + resource + "/css/site.css");
        break;
    }
    specs.push_back(std::move(spec));
  }
  KnownFunctions known{{"app", {"f"}}};
  auto table = RouteTable::build(specs, known, BuildLimits{100'000});
  if (!table) std::abort();
  fixture.table = std::move(*table);
  return fixture;
}

void BM_Match(benchmark::State& state) {
  const Fixture fixture = make(static_cast<int>(state.range(0)));
  std::vector<std::string_view> methods;
  for (std::size_t i = 0; i < fixture.paths.size(); ++i) methods.push_back(i % 3 == 0 ? "POST" : "GET");
  Match match;
  std::size_t i = 0;
  for (auto _ : state) {
    const auto status = fixture.table.match(methods[i], "api.example.com", fixture.paths[i], match);
    benchmark::DoNotOptimize(status);
    benchmark::DoNotOptimize(match.route);
    if (++i == fixture.paths.size()) i = 0;
  }
}

// A path no route serves (404), through the same table.
void BM_MatchNotFound(benchmark::State& state) {
  const Fixture fixture = make(static_cast<int>(state.range(0)));
  Match match;
  for (auto _ : state) {
    benchmark::DoNotOptimize(fixture.table.match("GET", "", "/api/v1/svc3/nothing/here", match));
  }
}

BENCHMARK(BM_Match)->Arg(10)->Arg(1000);
BENCHMARK(BM_MatchNotFound)->Arg(10)->Arg(1000);

}  // namespace

BENCHMARK_MAIN();
