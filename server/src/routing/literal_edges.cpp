#include "routing/literal_edges.hpp"

#include <utility>

namespace hookd::routing {

void LiteralEdges::add(std::uint32_t parent, std::string_view segment, std::uint32_t child) {
  if ((count_ + 1) * 2 > slots_.size()) grow();
  const SegmentKey key = SegmentKey::of(parent, segment);
  std::size_t i = key.hash & mask_;
  while (slots_[i].child != kNone) i = (i + 1) & mask_;
  // Patterns are at most kMaxPatternBytes and the routes limits.max_routes,
  // so the text stays far below 4 GiB.
  slots_[i] = Slot{key.hash, key.last,
                   parent,   static_cast<std::uint32_t>(segment.size()),
                   child,    static_cast<std::uint32_t>(text_.size())};
  text_ += segment;
  ++count_;
}

void LiteralEdges::grow() {
  std::vector<Slot> old = std::exchange(slots_, std::vector<Slot>(slots_.empty() ? 16 : slots_.size() * 2));
  mask_ = slots_.size() - 1;
  for (const Slot& slot : old) {
    if (slot.child == kNone) continue;
    std::size_t i = slot.hash & mask_;
    while (slots_[i].child != kNone) i = (i + 1) & mask_;
    slots_[i] = slot;
  }
}

}  // namespace hookd::routing
