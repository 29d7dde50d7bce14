// The literal edges of the route trie, (parent node, segment) -> child node,
// in one open-addressing hash table for the whole table (a node with one
// literal child holds it all the same, but the lookup compares that edge in
// place: route_table_match.cpp). A lookup costs the same at a node with two
// literal children as at one with thousands: the
// segment's key (SegmentKey, taken eight bytes at a time while the caller
// looks for the segment's end), one or two probes, and a word compare (a
// few more beyond eight bytes). A binary search by text instead costs ten string
// compares at a node with 500 children (docs/benchmarks.md, "Plugins as
// HTTP handlers").
//
// The table is at most half full, so a probe always ends at an empty slot;
// its size is bounded by the routes (limits.max_routes), and a request only
// reads it.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace hookd::routing {

/// What a lookup needs of a segment, taken in the pass that finds the
/// segment's end (scan()): a hash of its bytes below a parent, eight bytes
/// at a time (seeded by the parent so that one table holds every node's
/// children), and its last chunk of eight or fewer bytes, which is the
/// whole segment for most and is compared in one instruction.
struct SegmentKey {
  std::uint64_t hash;
  std::uint64_t last = 0;

  // The parent in the high half: most segments' chunks fill the low one.
  explicit constexpr SegmentKey(std::uint32_t parent) : hash(std::uint64_t{parent} << 32) {}

  /// The next chunk: eight bytes in memory order (the first in the low
  /// bits), or the last ones of the segment with the rest zero.
  void fold(std::uint64_t chunk) {
    hash = (hash ^ chunk) * 0x9E3779B97F4A7C15ull;
    hash ^= hash >> 32;
    last = chunk;
  }

  /// The end of the segment at `at` (its first '/' or `end`); with `key`,
  /// folds its chunks into it. Reads a word at a time, never outside
  /// [begin, end): near the end it reads the eight bytes before `end` and
  /// shifts. `begin` is where the path (or the text) starts.
  static const char* scan(const char* begin, const char* at, const char* end, SegmentKey* key) {
    for (;;) {
      const auto left = static_cast<std::size_t>(end - at);
      std::uint64_t word = 0;
      std::size_t n = 0;  // bytes before the '/' (or the end) in this chunk
      if (left >= 8) {
        word = load(at);
        n = first_slash(word);
        if (n == 8) {
          if (key != nullptr) key->fold(word);
          at += 8;
          continue;
        }
      } else if (left == 0) {
        return at;
      } else if (end - begin >= 8) {
        word = load(end - 8) >> (8 * (8 - left));
        n = std::min(first_slash(word), left);
      } else {
        while (n < left && at[n] != '/') {
          word |= std::uint64_t{static_cast<unsigned char>(at[n])} << (8 * n);
          ++n;
        }
      }
      if (n != 0 && key != nullptr) key->fold(word & ((std::uint64_t{1} << (8 * n)) - 1));
      return at + n;
    }
  }

  static SegmentKey of(std::uint32_t parent, std::string_view segment) {
    SegmentKey key(parent);
    scan(segment.data(), segment.data(), segment.data() + segment.size(), &key);
    return key;
  }

  /// Eight bytes in memory order, the first in the low bits.
  static std::uint64_t load(const char* at) {
    std::uint64_t word = 0;
    std::memcpy(&word, at, sizeof word);
    if constexpr (std::endian::native == std::endian::big) word = std::byteswap(word);
    return word;
  }

 private:
  // The index of the first '/' in `word`, 8 if none: the bytes equal to '/'
  // become zero, and the lowest zero byte is exact in this test (a borrow
  // only marks bytes above it).
  static std::size_t first_slash(std::uint64_t word) {
    constexpr std::uint64_t kOnes = 0x0101010101010101ull;
    const std::uint64_t x = word ^ (kOnes * '/');
    const std::uint64_t zero = (x - kOnes) & ~x & (kOnes * 0x80);
    return static_cast<std::size_t>(std::countr_zero(zero)) / 8;
  }
};

class LiteralEdges {
 public:
  static constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();

  /// Adds an edge; `segment` must not be below `parent` yet. Only while the
  /// route table is built.
  void add(std::uint32_t parent, std::string_view segment, std::uint32_t child);

  /// The child of `parent` for `segment`, whose SegmentKey (below
  /// `parent`) is `key`; kNone if there is none. Only for a parent that has
  /// literal children (so the table is not empty).
  [[nodiscard]] std::uint32_t find(std::uint32_t parent, const SegmentKey& key,
                                   std::string_view segment) const {
    for (std::size_t i = key.hash & mask_;; i = (i + 1) & mask_) {
      const Slot& slot = slots_[i];
      if (slot.child == kNone) return kNone;
      if (slot.hash == key.hash && slot.last == key.last && slot.parent == parent &&
          slot.length == segment.size() && (segment.size() <= 8 || same_head(slot, segment))) {
        return slot.child;
      }
    }
  }

  [[nodiscard]] std::size_t size() const { return count_; }

 private:
  struct Slot {
    std::uint64_t hash = 0;  // SegmentKey::hash
    std::uint64_t last = 0;  // SegmentKey::last
    std::uint32_t parent = 0;
    std::uint32_t length = 0;
    std::uint32_t child = kNone;  // kNone: empty
    std::uint32_t offset = 0;     // of the segment's text in text_
  };

  // The chunks before the last (segments longer than eight bytes), a word
  // at a time: all of them lie inside both the segment and the text.
  [[nodiscard]] bool same_head(const Slot& slot, std::string_view segment) const {
    const char* stored = text_.data() + slot.offset;
    for (std::size_t i = 0; i + 8 < segment.size(); i += 8) {
      if (SegmentKey::load(stored + i) != SegmentKey::load(segment.data() + i)) return false;
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
