#include "routing/route_table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "routing/literal_edges.hpp"

namespace hookd::routing {
namespace {

constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
constexpr std::size_t kMaxHostBytes = 253;
constexpr std::size_t kShownBytes = 96;  // of a path or host in a message
// Around each edge's text: a word read at either end of it stays inside.
constexpr std::size_t kEdgePad = 8;

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

// How a trie node's literal children are looked up.
enum class Literals : std::uint8_t {
  none,
  one,   // compared directly: the node's edge
  many,  // in Index::literals
};

// A trie node: its children and the routes that end at it.
struct Node {
  std::uint32_t param = kNone;  // the parameter child
  Literals literals = Literals::none;
  std::uint32_t exact_begin = 0;  // Index::ends[exact_begin, exact_end): routes whose pattern ends here
  std::uint32_t exact_end = 0;
  std::uint32_t wildcard_begin = 0;  // ...[wildcard_begin, wildcard_end): those that end here with "/*"
  std::uint32_t wildcard_end = 0;
  bool backtracks = false;         // has a parameter child or wildcard routes: something to come back to
  std::uint32_t exact_choice = 0;  // Index::choices: the exact routes' for any host
  std::uint32_t wildcard_choice = 0;
  // Literals::one: the edge to the only literal child, and on through the
  // nodes below it that have nothing but one literal child each
  // ("api/v1"): its text in Index::edges, its first segment's length, and
  // the node it ends at.
  std::uint32_t edge_offset = 0;
  std::uint32_t edge_length = 0;
  std::uint32_t edge_first = 0;
  std::uint32_t edge_to = kNone;

  [[nodiscard]] bool passes_through() const {
    return literals == Literals::one && param == kNone && exact_begin == exact_end &&
           wildcard_begin == wildcard_end;
  }
};

// What choosing among the routes at a node reads of each, side by side.
struct End {
  MethodSet methods;  // all methods when any_method
  bool any_method = false;
  bool has_host = false;
  std::uint32_t route = 0;  // in routes_
};

// The choice among the routes for any host that end at one pattern, made
// when the table is built: for each method (and, last, one no route names)
// the route that takes it (an exact method, else any method, else GET for
// HEAD), and the Allow set of them all.
struct Choice {
  std::array<std::uint32_t, kMethodCount + 1> route;  // in routes_; kNone: none takes it
  MethodSet allowed;                                  // empty: no route for any host ends here
  bool head_as_get = false;                           // route[head] is a GET route

  Choice() { route.fill(kNone); }
};

}  // namespace

struct RouteTable::Index {
  std::vector<Node> nodes = std::vector<Node>(1);  // nodes[0] is the root
  std::vector<End> ends;                           // the routes ending at each node, by Node's ranges
  LiteralEdges literals;                           // every node's literal children (Literals::many)
  std::string edges;            // the text of Literals::one edges, each with kEdgePad bytes before and after
  std::vector<Choice> choices;  // by Node::exact_choice and wildcard_choice
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

namespace {

// Whether the path at `segment` (inside [begin, end)) starts with the
// `n`-byte edge `text`, followed by its end or a '/'. A word at a time, never
// outside [begin, end) (near the end it reads the word that ends there and
// shifts); the words read of `text` stay inside its padding (kEdgePad).
bool edge_matches(const char* begin, const char* segment, const char* end, const char* text, std::size_t n) {
  if (static_cast<std::size_t>(end - segment) < n) return false;
  const char* after = segment + n;
  if (after != end && *after != '/') return false;
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    if (SegmentKey::load(segment + i) != SegmentKey::load(text + i)) return false;
  }
  const std::size_t rest = n - i;
  if (rest == 0) return true;
  if (end - (segment + i) >= 8) {
    const std::uint64_t differ = SegmentKey::load(segment + i) ^ SegmentKey::load(text + i);
    return (differ & ((std::uint64_t{1} << (8 * rest)) - 1)) == 0;
  }
  if (after - begin >= 8) {
    const std::uint64_t differ = SegmentKey::load(after - 8) ^ SegmentKey::load(text + n - 8);
    return (differ >> (8 * (8 - rest))) == 0;
  }
  return std::equal(segment + i, after, text + i);
}

}  // namespace

// One lookup's state. Depth-first over the trie, literal child first, then
// the parameter child, then this node's wildcard routes: the first route
// found is the most specific (see the header). A node is reached only from
// its parent, so each is visited at most once.
//
// A loop, not recursion: the way down keeps, per level, only what is left
// to try there (a parameter child, wildcard routes), and most levels of a
// request's path have nothing left, so most steps push nothing. A node
// with one literal child compares its edge (that child's segment, and on
// through the nodes that only lead on) in place, without the hash table.
struct RouteTable::Search {
  const RouteTable& table;
  std::optional<Method> method;
  std::string_view host;  // without its port; empty when no route names a host
  Match& out;             // captured values go straight into out.captures
  bool path_matched = false;

  enum class Next : std::uint8_t { param, wildcard };
  // What is left to try at one level, to come back to.
  struct Frame {
    std::uint32_t node;
    Next next;
    std::uint8_t count;  // captures before this level's
    const char* segment;
    const char* stop;  // the segment's end
  };

  [[gnu::always_inline]] bool run(const char* begin, const char* end) {
    const Index& trie = *table.index_;
    const Node* const nodes = trie.nodes.data();
    // One frame per trie level at most (a level's frame is popped before
    // it pushes its next one), and a pattern has at most kMaxSegments.
    std::array<Frame, kMaxSegments + 1>
        frames;  // NOLINT(cppcoreguidelines-pro-type-member-init): written before read
    std::size_t depth = 0;
    std::size_t count = 0;  // captures so far
    std::uint32_t index = 0;
    const char* at = begin;  // the rest of the path: empty or "/segment..."
    // The root also takes "/" (the pattern "/"), before its wildcard.
    if (begin + 1 == end && finish(nodes[0].exact_begin, nodes[0].exact_end, nodes[0].exact_choice, 0))
      return true;
    for (;;) {
      const Node* node = &nodes[index];
      const char* segment = nullptr;
      const char* stop = nullptr;
      Next next = Next::param;
      if (at == end) {
        if (finish(node->exact_begin, node->exact_end, node->exact_choice, count)) return true;
        goto back;  // NOLINT(cppcoreguidelines-avoid-goto): the loop's one way back up
      }
      segment = at + 1;
      if (node->literals == Literals::one) {
        if (edge_matches(begin, segment, end, trie.edges.data() + node->edge_offset, node->edge_length)) {
          if (node->backtracks) {
            frames[depth++] = {index, Next::param, static_cast<std::uint8_t>(count), segment,
                               segment + node->edge_first};
          }
          at = segment + node->edge_length;
          index = node->edge_to;
          continue;
        }
        stop = SegmentKey::scan(begin, segment, end, nullptr);
      } else if (node->literals == Literals::many) {
        // One pass finds the segment's end and its key.
        SegmentKey key(index);
        stop = SegmentKey::scan(begin, segment, end, &key);
        if (stop != segment) {
          const auto child =
              trie.literals.find(index, key, {segment, static_cast<std::size_t>(stop - segment)});
          if (child != kNone) {
            if (node->backtracks) {
              frames[depth++] = {index, Next::param, static_cast<std::uint8_t>(count), segment, stop};
            }
            index = child;
            at = stop;
            continue;
          }
        }
      } else {
        stop = SegmentKey::scan(begin, segment, end, nullptr);
      }
    resume:
      if (next == Next::param && stop != segment && node->param != kNone && count < kMaxCaptures) {
        if (node->wildcard_begin != node->wildcard_end) {
          frames[depth++] = {index, Next::wildcard, static_cast<std::uint8_t>(count), segment, stop};
        }
        out.captures[count++].value = {segment, static_cast<std::size_t>(stop - segment)};
        index = node->param;
        at = stop;
        continue;
      }
      if (node->wildcard_begin != node->wildcard_end && count < kMaxCaptures) {
        out.captures[count].value = {segment, static_cast<std::size_t>(end - segment)};
        if (finish(node->wildcard_begin, node->wildcard_end, node->wildcard_choice, count + 1)) return true;
      }
    back:
      if (depth == 0) return false;
      const Frame& frame = frames[--depth];
      index = frame.node;
      node = &nodes[index];
      next = frame.next;
      count = frame.count;
      segment = frame.segment;
      stop = frame.stop;
      goto resume;  // NOLINT(cppcoreguidelines-avoid-goto)
    }
  }

  // The routes ending at one pattern, with `count` captures: the one for
  // this host and method (see the header's order); records the pattern's
  // methods for a 405 otherwise. The host-specific pass is skipped when no
  // route in the table names a host: it could find nothing. The pass for
  // any host reads the choice made when the table was built.
  bool finish(std::uint32_t first, std::uint32_t last, std::uint32_t choice, std::size_t count) {
    if (first == last) return false;
    if (table.names_hosts_ &&
        choose_for_host(std::span(table.index_->ends.data() + first, last - first), count)) {
      return true;
    }
    const Choice& any_host = table.index_->choices[choice];
    if (any_host.allowed.empty()) return false;
    path_matched = true;
    out.allowed.add(any_host.allowed);
    const std::uint32_t id = any_host.route[method ? static_cast<std::size_t>(*method) : kMethodCount];
    if (id == kNone) return false;
    take(table.routes_[id], method == Method::head && any_host.head_as_get, count);
    return true;
  }

  void take(const Route& route, bool head_as_get, std::size_t count) {
    out.route = &route;
    out.head_as_get = head_as_get;
    out.capture_count = std::min(count, route.capture_names.size());
    for (std::size_t i = 0; i < out.capture_count; ++i) out.captures[i].name = route.capture_names[i];
  }

  // The routes for this host (see the header's order).
  bool choose_for_host(std::span<const End> ends, std::size_t count) {
    const End* exact = nullptr;
    const End* any = nullptr;
    const End* get = nullptr;
    for (const End& candidate : ends) {
      if (!candidate.has_host || !same_host(table.routes_[candidate.route].host, host)) continue;
      path_matched = true;
      out.allowed.add(candidate.methods);
      if (candidate.any_method) {
        any = &candidate;
      } else if (method && candidate.methods.contains(*method)) {
        exact = &candidate;
      } else if (method == Method::head && candidate.methods.contains(Method::get)) {
        get = &candidate;
      }
    }
    const End* chosen = exact ? exact : any ? any : get;
    if (!chosen) return false;
    take(table.routes_[chosen->route], chosen == get, count);
    return true;
  }
};

MatchStatus RouteTable::match(std::string_view method, std::string_view host, std::string_view path,
                              Match& out) const {
  return match_path(method_from(method), host, path.substr(0, path.find('?')), out);
}

MatchStatus RouteTable::match_path(std::optional<Method> method, std::string_view host, std::string_view path,
                                   Match& out) const {
  out.route = nullptr;
  out.capture_count = 0;
  out.allowed = MethodSet();
  out.head_as_get = false;
  if (path.empty() || path.front() != '/') return MatchStatus::not_found;
  Search search{*this, method, names_hosts_ ? host_name(host) : std::string_view{}, out};
  if (search.run(path.data(), path.data() + path.size())) {
    out.allowed = MethodSet();
    return MatchStatus::found;
  }
  return search.path_matched ? MatchStatus::method_not_allowed : MatchStatus::not_found;
}

}  // namespace hookd::routing
