// The route table: pattern parsing, build() and match() on fuzzed routes and
// requests, against a brute-force oracle. Input: lines
//   R <methods,comma-separated|-> <host|-> <path> <function>   a route of plugin "p"
//   Q <method> <host|-> <path>                                 a request
// Properties: no crash; a pattern that parses prints back as its text; a
// failed build names a problem; every lookup agrees with trying every route
// (found: the most specific accepting route of the header's precedence, with
// the same captures, as views into the path; method_not_allowed: the union
// of the methods of the routes that match; not_found: no route matches).
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "routing/route_table.hpp"

using hookd::fuzz::check;
using namespace hookd::routing;

namespace {

std::vector<std::string_view> split(std::string_view text, char by) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find(by, start);
    if (end == std::string_view::npos) end = text.size();
    parts.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

std::string print(const RoutePattern& pattern) {
  if (pattern.segments.empty()) return "/";
  std::string text;
  for (const auto& s : pattern.segments) {
    text += '/';
    text += s.kind == SegmentKind::param ? "{" + s.text + "}" : s.text;
  }
  return text;
}

struct Candidate {
  std::vector<int> shape;  // per segment: literal 0, parameter 1, end 2, wildcard 3 (smaller wins)
  std::vector<std::string_view> captures;
};

// Does `pattern` match `path` (query stripped, starting with '/')?
bool matches(const RoutePattern& pattern, std::string_view path, Candidate& out) {
  out = {};
  std::string_view rest = path;  // "/..." or ""
  for (const auto& segment : pattern.segments) {
    if (segment.kind == SegmentKind::wildcard) {
      if (rest.empty()) return false;
      out.shape.push_back(3);
      out.captures.push_back(rest.substr(1));
      return true;
    }
    if (rest.empty()) return false;
    const auto after = rest.substr(1);
    const auto slash = after.find('/');
    const auto part = after.substr(0, slash);
    if (part.empty()) return false;
    if (segment.kind == SegmentKind::literal && part != segment.text) return false;
    out.shape.push_back(segment.kind == SegmentKind::literal ? 0 : 1);
    if (segment.kind == SegmentKind::param) out.captures.push_back(part);
    rest = slash == std::string_view::npos ? std::string_view{} : after.substr(slash);
  }
  out.shape.push_back(2);
  return rest.empty() || (pattern.segments.empty() && rest == "/");
}

std::string host_of(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    const auto close = host.find(']');
    host = close == std::string_view::npos ? host : host.substr(0, close + 1);
  } else {
    host = host.substr(0, host.find(':'));
  }
  std::string lowered(host);
  for (auto& c : lowered) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return lowered;
}

void check_lookup(const RouteTable& table, std::string_view method, std::string_view host,
                  const std::string& request_path) {
  Match match;
  const MatchStatus status = table.match(method, host, request_path, match);
  std::string_view path = request_path;
  path = path.substr(0, path.find('?'));

  const auto known = method_from(method);
  const std::string request_host = host_of(host);
  const Route* best = nullptr;
  std::tuple<std::vector<int>, int, int> best_key;
  Candidate best_candidate;
  MethodSet allowed;
  bool any_match = false;
  for (const Route& route : table.routes()) {
    auto pattern = RoutePattern::parse(route.path);
    check(pattern.has_value(), "a route of a built table does not parse");
    Candidate candidate;
    if (path.empty() || path.front() != '/' || !matches(*pattern, path, candidate)) continue;
    if (!route.host.empty() && route.host != request_host) continue;
    any_match = true;
    allowed.add(route.methods);
    int method_class = -1;
    if (route.any_method) {
      method_class = 1;
    } else if (known && route.methods.contains(*known)) {
      method_class = 0;
    } else if (known == Method::head && route.methods.contains(Method::get)) {
      method_class = 2;
    }
    if (method_class < 0) continue;
    std::tuple<std::vector<int>, int, int> key{candidate.shape, route.host.empty() ? 1 : 0, method_class};
    if (!best || key < best_key) {
      best = &route;
      best_key = std::move(key);
      best_candidate = candidate;
    }
  }

  if (best) {
    check(status == MatchStatus::found, "a route accepts the request, but match() did not find one");
    check(match.route == best, "match() found another route than the most specific one");
    check(match.head_as_get == (std::get<2>(best_key) == 2), "head_as_get is wrong");
    check(match.capture_count == best_candidate.captures.size(), "wrong number of captures");
    for (std::size_t i = 0; i < match.capture_count; ++i) {
      const auto value = match.params()[i].value;
      check(value == best_candidate.captures[i], "a capture differs from the oracle's");
      check(value.empty() || (value.data() >= request_path.data() &&
                              value.data() + value.size() <= request_path.data() + request_path.size()),
            "a capture is not a view into the path");
      check(match.params()[i].name == best->capture_names[i], "a capture has the wrong name");
    }
  } else if (any_match) {
    check(status == MatchStatus::method_not_allowed, "a route matches the path but match() did not say 405");
    check(match.allowed == allowed, "the Allow set differs from the matching routes' methods");
  } else {
    check(status == MatchStatus::not_found, "no route matches, but match() did not say 404");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 16384) return 0;
  std::vector<RouteSpec> specs;
  std::vector<std::array<std::string, 3>> requests;
  for (const auto line : split(hookd::fuzz::text(data, size), '\n')) {
    const auto fields = split(line, ' ');
    if (fields.size() == 5 && fields[0] == "R") {
      RouteSpec spec{"p",
                     std::string(fields[4]),
                     {},
                     fields[2] == "-" ? "" : std::string(fields[2]),
                     std::string(fields[3]),
                     "routes[" + std::to_string(specs.size()) + "]"};
      if (fields[1] != "-") {
        for (const auto m : split(fields[1], ',')) spec.methods.emplace_back(m);
      }
      auto pattern = RoutePattern::parse(spec.path);
      if (pattern) {
        check(print(*pattern) == spec.path, "a pattern does not print back as its text");
      } else {
        check(!pattern.error().empty(), "a pattern failed without an error");
      }
      specs.push_back(std::move(spec));
    } else if (fields.size() == 4 && fields[0] == "Q") {
      requests.push_back(
          {std::string(fields[1]), fields[2] == "-" ? "" : std::string(fields[2]), std::string(fields[3])});
    }
  }
  const KnownFunctions known{{"p", {"f", "g", "h"}}};
  auto table = RouteTable::build(specs, known, BuildLimits{64});
  if (!table) {
    const auto& problems = table.error().problems;
    check(!problems.empty(), "build() failed without a problem");
    check(problems.size() <= BuildError::kMaxProblems + 1, "build() reported more problems than its cap");
    for (const auto& p : problems) check(!p.empty(), "an empty problem");
    // The routes without problems still form a table: check lookups there.
    // (At most the first 64: each costs two builds.)
    std::vector<RouteSpec> good;
    for (const auto& spec : std::span(specs).first(std::min<std::size_t>(specs.size(), 64))) {
      if (RouteTable::build(std::span(&spec, 1), known)) {
        good.push_back(spec);
        if (!RouteTable::build(good, known)) good.pop_back();  // a conflict with an earlier one
      }
    }
    table = RouteTable::build(good, known);
    check(table.has_value(), "routes that build one by one and together do not build");
  }
  for (const auto& [method, host, path] : requests) check_lookup(*table, method, host, path);
  return 0;
}
