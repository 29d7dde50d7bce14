// The open-loop schedule: request i is due at start + i / rate, whatever
// happened to earlier requests. Latency is measured from this intended time,
// which is what corrects coordinated omission: a stalled server delays the
// send, and the delay shows up in the latency instead of vanishing.
#pragma once

#include <chrono>
#include <cstdint>

namespace hookd::load {

using Clock = std::chrono::steady_clock;

class RateSchedule {
 public:
  /// `rate` in requests per second, > 0.
  RateSchedule(double rate, Clock::time_point start) : rate_(rate), start_(start) {}

  /// Offset of request `index` from the start, rounded to the nearest ns.
  /// Computed from the index, not by adding periods, so error never builds up.
  std::chrono::nanoseconds offset(std::uint64_t index) const;
  Clock::time_point intended(std::uint64_t index) const { return start_ + offset(index); }
  /// The first index whose offset is >= `since_start`; with it, the number of
  /// requests due strictly before that time.
  std::uint64_t first_index_at(std::chrono::nanoseconds since_start) const;

  double rate() const { return rate_; }
  Clock::time_point start() const { return start_; }

 private:
  double rate_;
  Clock::time_point start_;
};

/// How many i in [lo, hi) have i % stride == residue: a worker's share of
/// the global schedule when workers take every stride-th request.
std::uint64_t count_residue(std::uint64_t lo, std::uint64_t hi, std::uint64_t residue, std::uint64_t stride);

}  // namespace hookd::load
