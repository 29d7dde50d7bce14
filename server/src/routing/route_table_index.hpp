// The trie a built RouteTable keeps (RouteTable::Index): made by
// RouteTable::build (route_table_build.cpp), walked by match()
// (route_table_match.cpp). Private to the two.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "routing/literal_edges.hpp"
#include "routing/method_set.hpp"
#include "routing/route_table.hpp"

namespace hookd::routing {
namespace trie {

inline constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
// Around each edge's text: a word read at either end of it stays inside.
inline constexpr std::size_t kEdgePad = 8;

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

}  // namespace trie

struct RouteTable::Index {
  std::vector<trie::Node> nodes = std::vector<trie::Node>(1);  // nodes[0] is the root
  std::vector<trie::End> ends;  // the routes ending at each node, by Node's ranges
  LiteralEdges literals;        // every node's literal children (Literals::many)
  std::string edges;            // the text of Literals::one edges, each with kEdgePad bytes before and after
  std::vector<trie::Choice> choices;  // by Node::exact_choice and wildcard_choice
};

}  // namespace hookd::routing
