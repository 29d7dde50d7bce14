// The per-shard counters behind MetricsShard::FnStats, shared by the files
// that record (metrics.cpp) and render (metrics_render.cpp) them.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "observability/metrics.hpp"
#include "observability/time_series.hpp"

namespace hookd::server {

// Every counter has one writer, the shard's worker thread, so it is bumped
// with a relaxed load and store rather than fetch_add: no locked instruction
// on the hot path. The atomics are there so render() may read concurrently.
inline void bump(std::atomic<uint64_t>& counter, uint64_t by = 1) noexcept {
  counter.store(counter.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
}

// Aligned so two pairs' counters, possibly of different workers, never share
// a cache line.
struct alignas(64) MetricsShard::FnStats {
  FnStats(std::string_view p, std::string_view f, uint64_t v) : plugin(p), fn(f), version(v) {}

  // A function answers with a handful of distinct codes, so a short table
  // scanned from the front beats a 500-entry array per pair per shard. A slot
  // is claimed by storing its code (release) before counting in it.
  struct CodeSlot {
    std::atomic<uint32_t> code{0};  // 0: free
    std::atomic<uint64_t> count{0};
  };
  static constexpr size_t kCodeSlots = 8;

  // Hot fields first: one request touches a bucket, the sum and a code slot.
  std::array<std::atomic<uint64_t>, kDurationBuckets.size() + 1> buckets{};  // not cumulative
  std::atomic<uint64_t> sum_ns{0};
  std::array<CodeSlot, kCodeSlots> codes{};
  std::atomic<uint64_t> other_codes{0};  // table full, or not a valid status code
  std::array<std::atomic<uint64_t>, kErrorKinds.size()> errors{};
  // The last 15 minutes second by second, for the dashboard; only for pairs
  // of a loaded plugin and function (time_series.hpp), else null.
  std::unique_ptr<SecondRing> ring;
  const std::string plugin;
  const std::string fn;
  const uint64_t version;  // 0: the plugin has no versions (no label)
};

}  // namespace hookd::server
