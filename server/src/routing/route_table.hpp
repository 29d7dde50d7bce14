// The route table: which plugin function serves a request, by method, host
// and path (docs/configuration.md, "Routes"). Built once from every route
// the config file and the plugins' settings declare, checked as a whole,
// then immutable: a change (a plugin uploaded, replaced or deleted) builds a
// new table and swaps it in, so a reader never sees half of an update.
//
// Precedence, deterministic: the request path is compared segment by
// segment from the left, and at each segment a literal beats a parameter,
// which beats the trailing wildcard; so the route with the longer literal
// prefix wins, e.g. for "/r/new": "/r/new" > "/r/{code}" > "/r/*" > "/*".
// When the winner's path matches but no route there takes the method for
// this host, the search goes on to less specific patterns; only when no
// pattern takes it is the answer method_not_allowed, with the union of the
// methods of every pattern that matched (the Allow set).
// At one pattern: a route for the request's host beats a route for any
// host; an exact method beats "any"; HEAD is answered by a GET route unless
// a route names HEAD (the caller then sends no body).
//
// Conflicts are refused when the table is built: two routes with the same
// pattern shape (parameter names do not count: "/r/{a}" and "/r/{b}" are
// one shape), the same host (or both any) and an overlapping method set.
//
// Hostile input: every bad route is an error naming it (where it was
// declared, its methods and path), never a crash; matching is bounded by
// the table (each trie node is visited at most once per lookup) and does
// not allocate.
//
// How the gateway uses it: build a table at start from file_routes(config)
// plus append_plugin_routes() for every loaded plugin (route_specs.hpp),
// with KnownFunctions from the registry and build_limits(config.limits);
// rebuild it, before committing, for every upload, replace and delete (a
// BuildError refuses the change: 400 with message()), and publish it as a
// std::shared_ptr<const RouteTable> that requests load atomically. Per
// request, after /plugins/<name>/<fn> (never in the table): match(); found:
// call route->plugin / route->function with params() (decode them; a HEAD
// served by a GET route, head_as_get, is answered without a body);
// not_found: 404; method_not_allowed: 405 with `Allow:
// allowed.allow_header(buffer)`.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "routing/method_set.hpp"
#include "routing/route_pattern.hpp"

namespace hookd::routing {

/// A route as declared, before checks.
struct RouteSpec {
  std::string plugin;
  std::string function;
  std::vector<std::string> methods;  // empty, or {"*"}: any method
  std::string host;                  // empty: any host; else a host name, no port
  std::string path;                  // the pattern (route_pattern.hpp)
  /// Where it was declared, for errors: "hookd.toml: routes[2]",
  /// "plugin echo: routes[0]".
  std::string origin;
};

/// A plugin's functions, by plugin name: a route must name one of them.
using KnownFunctions = std::map<std::string, std::set<std::string, std::less<>>, std::less<>>;

struct BuildLimits {
  std::size_t max_routes = 4096;  // limits.max_routes
};

/// Why a table was not built: one line per problem, each naming its route.
struct BuildError {
  std::vector<std::string> problems;
  static constexpr std::size_t kMaxProblems = 32;  // the rest are counted in the last line

  [[nodiscard]] std::string message() const;  // the problems, one per line
};

/// One route of a built table.
struct Route {
  std::string plugin;
  std::string function;
  std::string path;
  std::string host;   // lower-case; empty: any
  MethodSet methods;  // all methods when any_method
  bool any_method = false;
  std::vector<std::string> capture_names;  // parameters in order, then "*" for a wildcard
  std::string origin;
};

struct Capture {
  std::string_view name;   // a view of the Route's name
  std::string_view value;  // a view of the request path, not decoded
};

inline constexpr std::size_t kMaxCaptures = kMaxParams + 1;  // + the wildcard

enum class MatchStatus : std::uint8_t { found, not_found, method_not_allowed };

/// The result of a lookup; fixed capacity, filled without allocating. Views
/// point into the table and the path given to match(): valid while both are.
struct Match {
  const Route* route = nullptr;  // found
  std::array<Capture, kMaxCaptures> captures{};
  std::size_t capture_count = 0;
  MethodSet allowed;         // method_not_allowed: the Allow set (allow_header adds HEAD to GET)
  bool head_as_get = false;  // found: a HEAD request served by a GET route

  [[nodiscard]] std::span<const Capture> params() const { return {captures.data(), capture_count}; }
  /// The value of a parameter ("code", or "*" for the wildcard), if captured.
  [[nodiscard]] std::optional<std::string_view> param(std::string_view name) const;
};

class RouteTable {
 public:
  /// An empty table: every lookup is not_found.
  RouteTable();
  RouteTable(RouteTable&&) noexcept;
  RouteTable& operator=(RouteTable&&) noexcept;
  ~RouteTable();

  /// Checks every spec (method names, host, pattern, that the plugin is
  /// loaded and has the function, the count against limits) and that no two
  /// conflict; all problems are reported, up to BuildError::kMaxProblems.
  static std::expected<RouteTable, BuildError> build(std::span<const RouteSpec> specs,
                                                     const KnownFunctions& functions,
                                                     const BuildLimits& limits = {});

  /// Looks up a request. `method` as sent ("GET"); `host` the Host header
  /// (its port and case are ignored; empty matches only routes for any
  /// host); `path` the raw request target's path, split at '/' without
  /// decoding (a query, from '?', is ignored). Does not allocate.
  MatchStatus match(std::string_view method, std::string_view host, std::string_view path, Match& out) const;

  /// match() for a caller that has parsed the request already: `method` as
  /// a Method (nullopt: one no route names, which only routes for any
  /// method take), and `path` without its query (cut at '?' by the caller).
  /// `host` is read only when names_hosts().
  MatchStatus match_path(std::optional<Method> method, std::string_view host, std::string_view path,
                         Match& out) const;

  /// Whether any route names a host. When none does, the Host header makes
  /// no difference to a lookup, and a caller need not look it up.
  [[nodiscard]] bool names_hosts() const { return names_hosts_; }

  [[nodiscard]] std::size_t size() const { return routes_.size(); }
  [[nodiscard]] std::span<const Route> routes() const;

 private:
  struct Index;  // the trie that match() walks (route_table_index.hpp)
  struct Search;
  std::vector<Route> routes_;
  std::unique_ptr<const Index> index_;  // never null but in a moved-from table
  bool names_hosts_ = false;
};

}  // namespace hookd::routing
