// Building a RouteTable: each spec checked (methods, host, pattern, the
// plugin function it names), conflicts found, and the trie that match()
// walks (route_table_index.hpp) made, with the choices among the routes
// for any host decided here.
#include <fmt/format.h>

#include <algorithm>

#include "hookd/util/ascii.hpp"
#include "routing/route_table.hpp"
#include "routing/route_table_index.hpp"

namespace hookd::routing {
namespace {

using trie::Choice;
using trie::End;
using trie::kEdgePad;
using trie::kNone;
using trie::Literals;
using trie::Node;

constexpr std::size_t kMaxHostBytes = 253;
constexpr std::size_t kShownBytes = 96;  // of a path or host in a message
// Text from a route as a message shows it: quoted, control and non-ASCII
// bytes escaped, cut after kShownBytes (an oversized pattern is named, not
// repeated).
std::string shown(std::string_view text) {
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size() && i < kShownBytes; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  if (text.size() > kShownBytes) out += "...";
  out += '"';
  return out;
}

// "hookd.toml: routes[2] (GET,POST api.example.com/r/{code})"
std::string name_of(const RouteSpec& spec) {
  std::string methods;
  for (const auto& m : spec.methods) methods += (methods.empty() ? "" : ",") + m;
  if (methods.empty()) methods = "*";
  const std::string origin = spec.origin.empty() ? std::string("a route") : spec.origin;
  return fmt::format("{} ({} {} -> {}.{})", origin, shown(methods), shown(spec.host + spec.path), spec.plugin,
                     spec.function);
}

std::expected<std::string, std::string> check_host(std::string_view host) {
  if (host.size() > kMaxHostBytes)
    return std::unexpected(fmt::format("host longer than {} bytes", kMaxHostBytes));
  std::string lowered;
  if (host.empty()) return lowered;  // any host
  char previous = '.';
  for (const char c : host) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
    if (!ok) {
      return std::unexpected(std::string("host must be a host name (A-Z a-z 0-9 - .) without a port"));
    }
    if (c == '.' && previous == '.') return std::unexpected(std::string("host has an empty label"));
    previous = c;
    lowered += util::ascii_lower(c);
  }
  if (previous == '.') return std::unexpected(std::string("host has an empty label"));
  return lowered;
}

struct Methods {
  MethodSet set;
  bool any = false;
};

std::expected<Methods, std::string> check_methods(const std::vector<std::string>& names) {
  Methods out;
  if (names.empty() || (names.size() == 1 && names[0] == "*")) {
    out.set = MethodSet::all();
    out.any = true;
    return out;
  }
  for (const auto& name : names) {
    if (name == "*") return std::unexpected(std::string("\"*\" (any method) cannot be listed with others"));
    const auto method = method_from(name);
    if (!method) {
      return std::unexpected(fmt::format(
          "unknown method {} (GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS, or \"*\" for any)", shown(name)));
    }
    if (out.set.contains(*method)) return std::unexpected(fmt::format("method {} is listed twice", name));
    out.set.add(*method);
  }
  return out;
}

// Who holds each method at one pattern shape for one host, to find conflicts.
struct Claims {
  std::uint32_t any = kNone;
  std::array<std::uint32_t, kMethodCount> by_method;
  Claims() { by_method.fill(kNone); }
};

}  // namespace

std::string BuildError::message() const {
  std::string text;
  for (const auto& problem : problems) {
    if (!text.empty()) text += '\n';
    text += problem;
  }
  return text;
}

RouteTable::RouteTable() : index_(std::make_unique<const Index>()) {}
RouteTable::RouteTable(RouteTable&&) noexcept = default;
RouteTable& RouteTable::operator=(RouteTable&&) noexcept = default;
RouteTable::~RouteTable() = default;

std::span<const Route> RouteTable::routes() const { return routes_; }

std::expected<RouteTable, BuildError> RouteTable::build(std::span<const RouteSpec> specs,
                                                        const KnownFunctions& functions,
                                                        const BuildLimits& limits) {
  BuildError error;
  std::size_t dropped = 0;
  auto report = [&](std::string problem) {
    if (error.problems.size() < BuildError::kMaxProblems) {
      error.problems.push_back(std::move(problem));
    } else {
      ++dropped;
    }
  };
  if (specs.size() > limits.max_routes) {
    // Checked first: a flood of routes costs nothing more than this.
    error.problems.push_back(fmt::format("{} routes are declared, more than limits.max_routes ({})",
                                         specs.size(), limits.max_routes));
    return std::unexpected(std::move(error));
  }

  RouteTable table;
  auto index = std::make_unique<Index>();
  std::vector<std::size_t> spec_of;  // route index -> spec index, for conflict messages
  // (node, ends in a wildcard) -> host -> claims
  std::map<std::pair<std::uint32_t, bool>, std::map<std::string, Claims, std::less<>>> claims;
  // Each node's routes (exact, then wildcard) while the trie grows;
  // flattened into Index::ends at the end.
  std::vector<std::array<std::vector<std::uint32_t>, 2>> ending(1);
  // Each node's literal children (segment, child), for its edge.
  std::vector<std::vector<std::pair<std::string, std::uint32_t>>> children(1);

  for (std::size_t i = 0; i < specs.size(); ++i) {
    const RouteSpec& spec = specs[i];
    const std::string name = name_of(spec);
    auto methods = check_methods(spec.methods);
    if (!methods) {
      report(fmt::format("{}: {}", name, methods.error()));
      continue;
    }
    auto host = check_host(spec.host);
    if (!host) {
      report(fmt::format("{}: {}", name, host.error()));
      continue;
    }
    auto pattern = RoutePattern::parse(spec.path);
    if (!pattern) {
      report(fmt::format("{}: path: {}", name, pattern.error()));
      continue;
    }
    const auto plugin = functions.find(spec.plugin);
    if (plugin == functions.end()) {
      report(fmt::format("{}: plugin {} is not loaded", name, shown(spec.plugin)));
      continue;
    }
    if (!plugin->second.contains(spec.function)) {
      report(fmt::format("{}: plugin {} has no function {}", name, spec.plugin, shown(spec.function)));
      continue;
    }

    // Walk or grow the trie along the pattern.
    std::uint32_t node = 0;
    for (const auto& segment : pattern->segments) {
      if (segment.kind == SegmentKind::wildcard) break;
      const bool literal = segment.kind == SegmentKind::literal;
      std::uint32_t next = kNone;
      if (!literal) {
        next = index->nodes[node].param;
      } else if (!children[node].empty()) {
        next = index->literals.find(node, SegmentKey::of(node, segment.text), segment.text);
      }
      if (next == kNone) {
        next = static_cast<std::uint32_t>(index->nodes.size());
        index->nodes.emplace_back();
        ending.emplace_back();
        children.emplace_back();
        if (literal) {
          index->literals.add(node, segment.text, next);
          children[node].emplace_back(segment.text, next);
        } else {
          index->nodes[node].param = next;
        }
      }
      node = next;
    }

    // Conflicts: the same shape, host and a shared method.
    const auto index = static_cast<std::uint32_t>(table.routes_.size());
    Claims& held = claims[{node, pattern->has_wildcard()}][*host];
    std::uint32_t rival = kNone;
    if (methods->any) {
      rival = held.any;
      for (std::size_t m = 0; m < kMethodCount && rival == kNone; ++m) rival = held.by_method[m];
    } else {
      rival = held.any;
      for (std::size_t m = 0; m < kMethodCount && rival == kNone; ++m) {
        if (methods->set.contains(static_cast<Method>(m))) rival = held.by_method[m];
      }
    }
    if (rival != kNone) {
      report(fmt::format("{}: conflicts with {}: both match the same requests", name,
                         name_of(specs[spec_of[rival]])));
      continue;
    }
    if (methods->any) {
      held.any = index;
    } else {
      for (std::size_t m = 0; m < kMethodCount; ++m) {
        if (methods->set.contains(static_cast<Method>(m))) held.by_method[m] = index;
      }
    }

    table.routes_.push_back(Route{spec.plugin, spec.function, spec.path, std::move(*host), methods->set,
                                  methods->any, pattern->capture_names(), spec.origin});
    spec_of.push_back(i);
    ending[node][pattern->has_wildcard() ? 1 : 0].push_back(index);
  }
  if (dropped != 0) error.problems.push_back(fmt::format("... and {} more problems", dropped));
  if (!error.problems.empty()) return std::unexpected(std::move(error));
  auto& ends = index->ends;
  auto add_ends = [&](const std::vector<std::uint32_t>& ids) {
    for (const std::uint32_t id : ids) {
      const Route& route = table.routes_[id];
      ends.push_back(End{route.methods, route.any_method, !route.host.empty(), id});
    }
    return static_cast<std::uint32_t>(ends.size());
  };
  // The routes for any host among `ids`: Choice's rules, which are
  // choose()'s for one host (conflicts are refused, so each rule finds at
  // most one route).
  auto add_choice = [&](const std::vector<std::uint32_t>& ids) {
    Choice choice;
    for (std::size_t m = 0; m <= kMethodCount; ++m) {
      std::uint32_t exact = kNone;
      std::uint32_t any = kNone;
      std::uint32_t get = kNone;
      for (const std::uint32_t id : ids) {
        const Route& route = table.routes_[id];
        if (!route.host.empty()) continue;
        if (m == 0) choice.allowed.add(route.methods);
        if (route.any_method) {
          any = id;
        } else if (m < kMethodCount && route.methods.contains(static_cast<Method>(m))) {
          exact = id;
        } else if (m == static_cast<std::size_t>(Method::head) && route.methods.contains(Method::get)) {
          get = id;
        }
      }
      choice.route[m] = exact != kNone ? exact : any != kNone ? any : get;
      if (m == static_cast<std::size_t>(Method::head))
        choice.head_as_get = exact == kNone && any == kNone && get != kNone;
    }
    index->choices.push_back(choice);
    return static_cast<std::uint32_t>(index->choices.size() - 1);
  };
  for (std::size_t i = 0; i < ending.size(); ++i) {
    Node& node = index->nodes[i];
    node.exact_begin = static_cast<std::uint32_t>(ends.size());
    node.exact_end = node.wildcard_begin = add_ends(ending[i][0]);
    node.wildcard_end = add_ends(ending[i][1]);
    node.backtracks = node.param != kNone || node.wildcard_begin != node.wildcard_end;
    if (!ending[i][0].empty()) node.exact_choice = add_choice(ending[i][0]);
    if (!ending[i][1].empty()) node.wildcard_choice = add_choice(ending[i][1]);
    node.literals = children[i].empty()       ? Literals::none
                    : children[i].size() == 1 ? Literals::one
                                              : Literals::many;
  }
  // Each node with one literal child: its edge, on through the nodes below
  // that pass through (bounded by kMaxSegments, a pattern's).
  auto& edges = index->edges;
  edges.assign(kEdgePad, '\0');
  for (std::size_t i = 0; i < children.size(); ++i) {
    Node& node = index->nodes[i];
    if (node.literals != Literals::one) continue;
    node.edge_offset = static_cast<std::uint32_t>(edges.size());
    node.edge_first = static_cast<std::uint32_t>(children[i][0].first.size());
    std::uint32_t to = children[i][0].second;
    edges += children[i][0].first;
    while (index->nodes[to].passes_through()) {
      edges += '/';
      edges += children[to][0].first;
      to = children[to][0].second;
    }
    node.edge_length = static_cast<std::uint32_t>(edges.size()) - node.edge_offset;
    node.edge_to = to;
    edges.append(kEdgePad, '\0');
  }
  table.names_hosts_ = std::ranges::any_of(table.routes_, [](const Route& r) { return !r.host.empty(); });
  table.index_ = std::move(index);
  return table;
}

}  // namespace hookd::routing
