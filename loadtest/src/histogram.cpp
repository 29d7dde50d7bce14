#include "hookd/load/histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace hookd::load {

Histogram::Histogram(int significant_digits, std::uint64_t highest)
    : digits_(std::clamp(significant_digits, kMinDigits, kMaxDigits)),
      highest_(std::max<std::uint64_t>(highest, 2)) {
  // Buckets of width w starting at >= half_count * w keep the error of the
  // bucket midpoint under 1 / sub_bucket_count; 2 * 10^d sub-buckets give d
  // significant decimal digits.
  std::uint64_t needed = 2;
  for (int i = 0; i < digits_; ++i) needed *= 10;
  sub_bucket_bits_ = std::bit_width(needed - 1);
  sub_bucket_count_ = std::uint64_t{1} << sub_bucket_bits_;
  half_count_ = sub_bucket_count_ / 2;
  counts_.assign(index_of(highest_) + 1, 0);
}

std::size_t Histogram::index_of(std::uint64_t value) const {
  if (value < sub_bucket_count_) return value;
  const auto shift = static_cast<std::uint64_t>(std::bit_width(value) - sub_bucket_bits_);
  return sub_bucket_count_ + (shift - 1) * half_count_ + ((value >> shift) - half_count_);
}

std::uint64_t Histogram::lower_edge(std::size_t index) const {
  if (index < sub_bucket_count_) return index;
  const std::uint64_t j = index - sub_bucket_count_;
  const std::uint64_t shift = j / half_count_ + 1;
  return (j % half_count_ + half_count_) << shift;
}

std::uint64_t Histogram::width(std::size_t index) const {
  if (index < sub_bucket_count_) return 1;
  return std::uint64_t{1} << ((index - sub_bucket_count_) / half_count_ + 1);
}

void Histogram::record(std::uint64_t value, std::uint64_t times) {
  if (times == 0) return;
  if (value > highest_) {
    value = highest_;
    saturated_ += times;
  }
  counts_[index_of(value)] += times;
  count_ += times;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
  sum_ += static_cast<long double>(value) * times;
}

std::expected<void, std::string> Histogram::merge(const Histogram& other) {
  if (other.digits_ != digits_ || other.highest_ != highest_)
    return std::unexpected("histograms differ in significant digits or range");
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  saturated_ += other.saturated_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
  return {};
}

void Histogram::reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  count_ = saturated_ = 0;
  min_ = UINT64_MAX;
  max_ = 0;
  sum_ = 0;
}

double Histogram::mean() const { return count_ ? static_cast<double>(sum_ / count_) : 0.0; }

std::uint64_t Histogram::value_at_percentile(double percentile) const {
  if (count_ == 0) return 0;
  percentile = std::clamp(percentile, 0.0, 100.0);
  if (percentile >= 100.0) return max_;
  auto rank = static_cast<std::uint64_t>(std::ceil(percentile / 100.0 * static_cast<double>(count_)));
  rank = std::clamp<std::uint64_t>(rank, 1, count_);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      // The midpoint halves the worst-case error; exact min/max tighten the
      // ends, which matter most when a bucket holds only the extreme value.
      const std::uint64_t mid = lower_edge(i) + width(i) / 2;
      return std::clamp(mid, min_, max_);
    }
  }
  return max_;
}

}  // namespace hookd::load
