#include "lmdb/lmdb_read_cache.hpp"

namespace hookd::host::detail {

void ReadCache::put(std::string_view composite, std::uint64_t generation, bool found, std::uint64_t expiry_ms,
                    std::string_view value) {
  if (budget_ == 0 || value.size() > budget_ / 16) return;
  auto it = map_.find(composite);
  if (it != map_.end()) {
    const std::size_t next = bytes_ - it->second.value.size() + value.size();
    if (next <= budget_) {
      it->second.generation = generation;
      it->second.expiry_ms = expiry_ms;
      it->second.found = found;
      it->second.value.assign(value);  // reuses its buffer when it fits
      bytes_ = next;
      return;
    }
    map_.clear();  // the insert below starts afresh
    bytes_ = 0;
  }
  const std::size_t cost = composite.size() + value.size() + kEntryOverhead;
  if (bytes_ + cost > budget_) {
    map_.clear();
    bytes_ = 0;
  }
  map_.emplace(std::string(composite), Entry{generation, expiry_ms, found, std::string(value)});
  bytes_ += cost;
}

}  // namespace hookd::host::detail
