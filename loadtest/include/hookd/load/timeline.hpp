// The per-second time series. Each worker hands in its stats for second k
// when its clock passes k+1; a second is complete when every worker still
// running has handed it in, and only then becomes a Sample. Runs on one
// thread (the runner's control thread), so it needs no locks.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "hookd/load/stats.hpp"

namespace hookd::load {

/// One second of the measured run (the last may be shorter).
struct Sample {
  std::uint64_t second = 0;  // since measurement started
  double length_s = 1.0;
  std::uint64_t requests = 0;
  std::uint64_t responses = 0;
  std::uint64_t errors = 0;
  std::uint64_t bytes = 0;
  std::uint64_t p50_ns = 0, p90_ns = 0, p99_ns = 0, max_ns = 0;
};

class Timeline {
 public:
  /// Interval histograms use 2 significant digits: plenty for a plot, and a
  /// tenth of the memory of the 3-digit run totals.
  static constexpr int kDigits = 2;

  explicit Timeline(unsigned workers);

  /// `final` says the worker will send nothing after this second. Returns
  /// the samples completed by this call, oldest first.
  std::vector<Sample> submit(unsigned worker, std::uint64_t second, const Stats& interval, bool final);

  const std::vector<Sample>& samples() const { return samples_; }
  /// Everything completed so far, merged (for the progress line).
  const Stats& cumulative() const { return cumulative_; }

 private:
  bool second_ready(std::uint64_t second) const;

  std::vector<std::int64_t> last_;  // last second handed in, per worker; -1 none
  std::vector<bool> finished_;
  std::map<std::uint64_t, Stats> pending_;
  std::uint64_t next_ = 0;
  std::vector<Sample> samples_;
  Stats cumulative_{kDigits};
};

}  // namespace hookd::load
