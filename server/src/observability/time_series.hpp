// A per-second time series of one (plugin, fn) pair on one worker, for the
// dashboard's live charts (GET /admin/timeseries): a fixed ring of 900
// one-second slots (15 minutes), each holding the second's request count by
// latency bucket (the buckets of hookd_request_duration_seconds) and its
// error count.
//
// Threading: one writer, the worker thread that owns the metrics shard,
// records with relaxed loads and stores (no locked instruction, no
// allocation: the ring is allocated once with its series). Readers on any
// thread merge the rings of every worker; a slot being reset while it is
// read is detected by its second stamp and skipped, so a reader sees either
// a whole second or none of it (a count may trail by the requests recorded
// while it reads).
//
// Memory: kSlots * sizeof(Slot) (about 72 KiB) per ring, and at most
// kMaxRingsPerShard rings per worker (metrics.cpp).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "observability/metrics.hpp"

namespace hookd::server {

inline constexpr size_t kSeriesBuckets = kDurationBuckets.size() + 1;  // the last is +Inf

class SecondRing {
 public:
  static constexpr uint32_t kSlots = 900;
  static constexpr size_t kMaxRingsPerShard = 256;

  /// Writer thread only. `second`: Unix time in seconds (> 0); `bucket` <
  /// kSeriesBuckets. A second older than its slot's stamp (a clock stepped
  /// back) is counted in the newer second rather than erasing it.
  void record(uint32_t second, size_t bucket, bool error) noexcept;

  /// Aggregates of one second, summed over rings.
  struct Second {
    uint64_t errors = 0;
    std::array<uint64_t, kSeriesBuckets> buckets{};
    [[nodiscard]] uint64_t requests() const;
  };
  /// A window of `seconds` seconds ending at `now` (inclusive), oldest first.
  struct Window {
    uint32_t now = 0;
    std::vector<Second> seconds;  // seconds[i] is second now - (size - 1) + i
  };
  /// Any thread: adds this ring's seconds inside `w` to it.
  void add_to(Window& w) const noexcept;

 private:
  struct Slot {
    std::atomic<uint32_t> second{0};  // 0: empty or being reset
    std::atomic<uint32_t> errors{0};
    std::array<std::atomic<uint32_t>, kSeriesBuckets> buckets{};
  };
  std::array<Slot, kSlots> slots_{};
};

/// A window of `seconds` (1..SecondRing::kSlots) empty seconds ending at `now`.
SecondRing::Window make_window(uint32_t now, uint32_t seconds);

/// The `q` quantile (0..1) of latencies counted in `buckets`, in milliseconds,
/// interpolated inside its bucket as Prometheus' histogram_quantile does
/// (the +Inf bucket answers with the largest finite bound). Empty when
/// nothing was counted.
std::optional<double> quantile_ms(const std::array<uint64_t, kSeriesBuckets>& buckets, double q);

/// The bucket of a latency (as hookd_request_duration_seconds counts it).
size_t latency_bucket(std::chrono::nanoseconds latency) noexcept;

/// The current Unix second, from the coarse real-time clock (a few ns).
uint32_t unix_second_now() noexcept;

}  // namespace hookd::server
