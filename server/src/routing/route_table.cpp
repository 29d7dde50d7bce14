#include "routing/route_table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

namespace hookd::routing {
namespace {

constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
constexpr std::size_t kMaxHostBytes = 253;
constexpr std::size_t kShownBytes = 96;  // of a path or host in a message

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

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
    lowered += lower(c);
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

// The Host header without its port: "Example.com:8080" -> "Example.com",
// "[::1]:8080" -> "[::1]".
std::string_view host_name(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    const auto close = host.find(']');
    return close == std::string_view::npos ? host : host.substr(0, close + 1);
  }
  return host.substr(0, host.find(':'));
}

bool same_host(std::string_view lowered, std::string_view request_host) {
  if (lowered.size() != request_host.size()) return false;
  for (std::size_t i = 0; i < lowered.size(); ++i) {
    if (lowered[i] != lower(request_host[i])) return false;
  }
  return true;
}

// Who holds each method at one pattern shape for one host, to find conflicts.
struct Claims {
  std::uint32_t any = kNone;
  std::array<std::uint32_t, kMethodCount> by_method;
  Claims() { by_method.fill(kNone); }
};

}  // namespace

struct RouteTable::Node {
  // Literal children, sorted by text: a binary search over one array is
  // cache-friendlier than a tree's nodes (see routing_benchmark).
  std::vector<std::pair<std::string, std::uint32_t>> literals;

  [[nodiscard]] std::uint32_t literal(std::string_view text) const {
    const auto it = std::ranges::lower_bound(literals, text, {},
                                             [](const auto& entry) { return std::string_view(entry.first); });
    return it != literals.end() && it->first == text ? it->second : kNone;
  }
  std::uint32_t param = kNone;
  std::vector<std::uint32_t> exact;     // routes whose pattern ends at this node
  std::vector<std::uint32_t> wildcard;  // routes whose pattern ends at this node with "/*"
};

std::string BuildError::message() const {
  std::string text;
  for (const auto& problem : problems) {
    if (!text.empty()) text += '\n';
    text += problem;
  }
  return text;
}

std::optional<std::string_view> Match::param(std::string_view name) const {
  for (const auto& capture : params()) {
    if (capture.name == name) return capture.value;
  }
  return std::nullopt;
}

RouteTable::RouteTable() : nodes_(1) {}
RouteTable::RouteTable(RouteTable&&) noexcept = default;
RouteTable& RouteTable::operator=(RouteTable&&) noexcept = default;
RouteTable::~RouteTable() = default;

std::size_t RouteTable::size() const { return routes_.size(); }
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
  std::vector<std::size_t> spec_of;  // route index -> spec index, for conflict messages
  // (node, ends in a wildcard) -> host -> claims
  std::map<std::pair<std::uint32_t, bool>, std::map<std::string, Claims, std::less<>>> claims;
  // Each node's literal children while the trie grows; flattened at the end.
  std::vector<std::map<std::string, std::uint32_t, std::less<>>> building(1);

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
      std::uint32_t next = kNone;
      if (segment.kind == SegmentKind::literal) {
        auto& literals = building[node];
        if (auto it = literals.find(segment.text); it != literals.end()) next = it->second;
      } else {
        next = table.nodes_[node].param;
      }
      if (next == kNone) {
        next = static_cast<std::uint32_t>(table.nodes_.size());
        table.nodes_.emplace_back();
        building.emplace_back();
        if (segment.kind == SegmentKind::literal) {
          building[node].emplace(segment.text, next);
        } else {
          table.nodes_[node].param = next;
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
    auto& ends = pattern->has_wildcard() ? table.nodes_[node].wildcard : table.nodes_[node].exact;
    ends.push_back(index);
  }
  if (dropped != 0) error.problems.push_back(fmt::format("... and {} more problems", dropped));
  if (!error.problems.empty()) return std::unexpected(std::move(error));
  for (std::size_t i = 0; i < building.size(); ++i) {
    table.nodes_[i].literals.assign(std::make_move_iterator(building[i].begin()),
                                    std::make_move_iterator(building[i].end()));
  }
  return table;
}

// One lookup's state. Depth-first over the trie, literal child first, then
// the parameter child, then this node's wildcard routes: the first route
// found is the most specific (see the header). A node is reached only from
// its parent, so each is visited at most once.
struct RouteTable::Search {
  const RouteTable& table;
  std::optional<Method> method;
  std::string_view host;
  Match& out;
  std::array<std::string_view, kMaxCaptures> values{};
  std::size_t count = 0;
  bool path_matched = false;

  bool visit(std::uint32_t index, std::string_view rest) {
    const Node& node = table.nodes_[index];
    if (rest.empty() || (index == 0 && rest == "/")) {
      if (finish(node.exact)) return true;
    }
    if (!rest.empty()) {
      // rest is "/segment..." here: match() checked the leading '/'.
      const std::string_view after = rest.substr(1);
      const auto slash = after.find('/');
      const std::string_view segment = after.substr(0, slash);
      const std::string_view next =
          slash == std::string_view::npos ? std::string_view{} : after.substr(slash);
      if (!segment.empty()) {
        if (const auto child = node.literal(segment); child != kNone && visit(child, next)) return true;
        if (node.param != kNone && count < kMaxCaptures) {
          values[count++] = segment;
          if (visit(node.param, next)) return true;
          --count;
        }
      }
      if (!node.wildcard.empty() && count < kMaxCaptures) {
        values[count++] = after;
        if (finish(node.wildcard)) return true;
        --count;
      }
    }
    return false;
  }

  // The route at one pattern for this host and method (see the header's
  // order); records the pattern's methods for a 405 otherwise.
  bool finish(std::span<const std::uint32_t> ids) {
    for (const bool specific : {true, false}) {
      const Route* exact = nullptr;
      const Route* any = nullptr;
      const Route* get = nullptr;
      for (const std::uint32_t id : ids) {
        const Route& route = table.routes_[id];
        if (specific ? (route.host.empty() || !same_host(route.host, host)) : !route.host.empty()) continue;
        path_matched = true;
        out.allowed.add(route.methods);
        if (route.any_method) {
          any = &route;
        } else if (method && route.methods.contains(*method)) {
          exact = &route;
        } else if (method == Method::head && route.methods.contains(Method::get)) {
          get = &route;
        }
      }
      const Route* chosen = exact ? exact : any ? any : get;
      if (!chosen) continue;
      out.route = chosen;
      out.head_as_get = chosen == get;
      out.capture_count = std::min(count, chosen->capture_names.size());
      for (std::size_t i = 0; i < out.capture_count; ++i) {
        out.captures[i] = Capture{chosen->capture_names[i], values[i]};
      }
      return true;
    }
    return false;
  }
};

MatchStatus RouteTable::match(std::string_view method, std::string_view host, std::string_view path,
                              Match& out) const {
  out.route = nullptr;
  out.capture_count = 0;
  out.allowed = MethodSet();
  out.head_as_get = false;
  path = path.substr(0, path.find('?'));
  if (path.empty() || path.front() != '/') return MatchStatus::not_found;
  Search search{*this, method_from(method), host_name(host), out};
  if (search.visit(0, path)) {
    out.allowed = MethodSet();
    return MatchStatus::found;
  }
  return search.path_matched ? MatchStatus::method_not_allowed : MatchStatus::not_found;
}

}  // namespace hookd::routing
