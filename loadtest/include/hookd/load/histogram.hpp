// A latency histogram in the style of HdrHistogram: log-linear buckets whose
// width is a bounded fraction of their lower edge, so every recorded value is
// reported within a stated relative error no matter how wide the range.
//
// Why not keep samples: a run of millions of requests per second must record
// in O(1) time and memory, and per-thread histograms must merge exactly.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <vector>

namespace hookd::load {

class Histogram {
 public:
  /// One hour in nanoseconds: no request latency worth reporting is longer.
  static constexpr std::uint64_t kDefaultHighest = 3'600'000'000'000ULL;
  static constexpr int kMinDigits = 1;
  static constexpr int kMaxDigits = 4;  // 5 would need ~30 MB per histogram

  /// `significant_digits` is clamped to [kMinDigits, kMaxDigits]; values above
  /// `highest` are recorded as `highest` and counted as saturated.
  explicit Histogram(int significant_digits = 3, std::uint64_t highest = kDefaultHighest);

  void record(std::uint64_t value, std::uint64_t times = 1);
  /// Fails (and leaves this unchanged) when the two were built differently.
  std::expected<void, std::string> merge(const Histogram& other);
  void reset();

  std::uint64_t count() const { return count_; }
  std::uint64_t saturated() const { return saturated_; }
  /// Exact, not bucketed; 0 when empty.
  std::uint64_t min() const { return count_ ? min_ : 0; }
  std::uint64_t max() const { return max_; }
  double mean() const;
  /// The smallest recorded value v such that `percentile` % of values are <= v,
  /// within relative_error(); 0 when empty. 100 returns max() exactly.
  std::uint64_t value_at_percentile(double percentile) const;

  /// Upper bound on |reported - true| / true for any percentile.
  double relative_error() const { return 1.0 / static_cast<double>(sub_bucket_count_); }
  int significant_digits() const { return digits_; }
  std::uint64_t highest() const { return highest_; }
  std::size_t bucket_count() const { return counts_.size(); }

 private:
  std::size_t index_of(std::uint64_t value) const;
  std::uint64_t lower_edge(std::size_t index) const;
  std::uint64_t width(std::size_t index) const;

  int digits_;
  std::uint64_t highest_;
  int sub_bucket_bits_;
  std::uint64_t sub_bucket_count_;  // values below this are stored exactly
  std::uint64_t half_count_;        // linear steps per power of two above it
  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  std::uint64_t saturated_ = 0;
  std::uint64_t min_ = UINT64_MAX;
  std::uint64_t max_ = 0;
  long double sum_ = 0;
};

}  // namespace hookd::load
