// Looking a request up in a RouteTable: the walk of its trie
// (route_table_index.hpp) that the header's precedence rules describe.
#include <algorithm>
#include <array>

#include "hookd/util/ascii.hpp"
#include "routing/literal_edges.hpp"
#include "routing/route_table.hpp"
#include "routing/route_table_index.hpp"

namespace hookd::routing {
namespace {

using trie::Choice;
using trie::End;
using trie::kNone;
using trie::Literals;
using trie::Node;

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
    if (lowered[i] != util::ascii_lower(request_host[i])) return false;
  }
  return true;
}

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

std::optional<std::string_view> Match::param(std::string_view name) const {
  for (const auto& capture : params()) {
    if (capture.name == name) return capture.value;
  }
  return std::nullopt;
}

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
