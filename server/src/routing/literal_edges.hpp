// The literal edges of the route trie, (parent node, segment) -> child node,
// in one open-addressing hash table for the whole table. A lookup costs the
// same at a node with one literal child as at one with thousands: the
// segment's key (SegmentKey, taken while the caller looks for the
// segment's end), one or two probes, and a word compare (a byte compare
// beyond eight bytes). A binary search by text instead costs ten string
// compares at a node with 500 children (docs/benchmarks.md, "Plugins as
// HTTP handlers").
//
// The table is at most half full, so a probe always ends at an empty slot;
// its size is bounded by the routes (limits.max_routes), and a request only
// reads it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace hookd::routing {

/// What a lookup needs of a segment, taken in the pass that finds the
/// segment's end: its hash below a parent (FNV-1a, seeded by the parent so
/// that one table holds every node's children), and its last eight bytes
/// as a word, which is the whole segment for most and is compared in one
/// instruction.
struct SegmentKey {
  std::uint32_t hash;
  std::uint64_t tail = 0;

  explicit constexpr SegmentKey(std::uint32_t parent) : hash(2166136261u ^ (parent * 0x9E3779B1u)) {}
  constexpr void add(char c) {
    const auto byte = static_cast<unsigned char>(c);
    hash = (hash ^ byte) * 16777619u;
    tail = (tail << 8) | byte;
  }
  static constexpr SegmentKey of(std::uint32_t parent, std::string_view segment) {
    SegmentKey key(parent);
    for (const char c : segment) key.add(c);
    return key;
  }
};

class LiteralEdges {
 public:
  static constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();

  /// Adds an edge; `segment` must not be below `parent` yet. Only while the
  /// route table is built.
  void add(std::uint32_t parent, std::string_view segment, std::uint32_t child);

  /// The child of `parent` for `segment`, whose SegmentKey::of(parent,
  /// segment) is `key`; kNone if there is none.
  [[nodiscard]] std::uint32_t find(std::uint32_t parent, const SegmentKey& key, std::string_view segment) const {
    if (slots_.empty()) return kNone;
    for (std::size_t i = slot_of(key.hash);; i = (i + 1) & mask_) {
      const Slot& slot = slots_[i];
      if (slot.child == kNone) return kNone;
      if (slot.hash == key.hash && slot.tail == key.tail && slot.parent == parent &&
          slot.length == segment.size() && (segment.size() <= 8 || same_head(slot, segment))) {
        return slot.child;
      }
    }
  }

  [[nodiscard]] std::size_t size() const { return count_; }

 private:
  struct Slot {
    std::uint32_t hash = 0;
    std::uint32_t parent = 0;
    std::uint64_t tail = 0;       // SegmentKey::tail
    std::uint32_t child = kNone;  // kNone: empty
    std::uint32_t offset = 0;     // of the segment's text in text_
    std::uint32_t length = 0;
  };

  [[nodiscard]] std::size_t slot_of(std::uint32_t hash) const { return (hash ^ (hash >> 16)) & mask_; }
  // The bytes before the tail (segments longer than eight bytes). A byte
  // loop, not memcmp: segments are short, and the call costs more than the
  // compare.
  [[nodiscard]] bool same_head(const Slot& slot, std::string_view segment) const {
    const char* stored = text_.data() + slot.offset;
    for (std::size_t i = 0; i + 8 < segment.size(); ++i) {
      if (stored[i] != segment[i]) return false;
    }
    return true;
  }
  void grow();

  std::vector<Slot> slots_;  // a power of two, at most half full
  std::size_t mask_ = 0;
  std::size_t count_ = 0;
  std::string text_;  // every segment's bytes
};

}  // namespace hookd::routing
