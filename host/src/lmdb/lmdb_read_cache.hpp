// A per-thread cache of LMDB reads, in front of the memory map.
//
// Why: a warm LMDB read is a B-tree walk through mapped pages, cheap in a
// microbenchmark, but on a gateway worker those pages (and the reader table
// and meta pages a read transaction touches) have usually left the caches
// and TLB since the last request, so the first reads of every request pay
// for misses. A small per-thread map of recent results answers from memory
// the thread touched last.
//
// Coherence: the store counts committed writes in one atomic generation.
// A reader loads the generation *before* it opens its read transaction and
// stamps what it caches with it; a writer bumps the generation *after* its
// commit and before it acknowledges. An entry is used only while its stamp
// equals the current generation, so nothing read after a write was
// acknowledged can come from before that write. This assumes the store's
// process is LMDB's only writer, which LmdbEnv enforces with a lock file.
//
// Bounded: when an insert would pass the byte budget the map is emptied
// (cheap, rare, and a hot working set refills it at once); values larger
// than 1/16 of the budget are not cached.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace hookd::host::detail {

class ReadCache {
 public:
  struct Entry {
    std::uint64_t generation = 0;
    std::uint64_t expiry_ms = 0;  // 0 = none; expired entries read as absent
    bool found = false;
    std::string value;
  };

  explicit ReadCache(std::size_t budget_bytes) : budget_(budget_bytes) {}

  /// The entry for `composite` if it was read at `generation`, else null.
  const Entry* find(std::string_view composite, std::uint64_t generation) const {
    auto it = map_.find(composite);
    return it != map_.end() && it->second.generation == generation ? &it->second : nullptr;
  }

  /// Remembers a read made at `generation` (found or not).
  void put(std::string_view composite, std::uint64_t generation, bool found, std::uint64_t expiry_ms,
           std::string_view value);

  std::size_t bytes() const { return bytes_; }
  std::size_t size() const { return map_.size(); }

 private:
  static constexpr std::size_t kEntryOverhead = 96;  // node, hash bucket, two strings
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::size_t budget_;
  std::size_t bytes_ = 0;
  std::unordered_map<std::string, Entry, Hash, std::equal_to<>> map_;
};

}  // namespace hookd::host::detail
