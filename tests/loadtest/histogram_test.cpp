#include "hookd/load/histogram.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

namespace hookd::load {
namespace {

double relative_diff(std::uint64_t got, std::uint64_t want) {
  return std::abs(static_cast<double>(got) - static_cast<double>(want)) / static_cast<double>(want);
}

/// The histogram's answer at p must be within its stated relative error of
/// the exact sample at the same rank.
void expect_percentiles_match(const Histogram& h, std::vector<std::uint64_t> samples) {
  std::ranges::sort(samples);
  for (double p : {1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 99.0, 99.9, 99.99}) {
    auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * samples.size()));
    rank = std::clamp<std::size_t>(rank, 1, samples.size());
    const auto exact = samples[rank - 1];
    EXPECT_LE(relative_diff(h.value_at_percentile(p), exact), h.relative_error())
        << "p" << p << " got " << h.value_at_percentile(p) << " want " << exact;
  }
  EXPECT_EQ(h.max(), samples.back());
  EXPECT_EQ(h.min(), samples.front());
  EXPECT_EQ(h.value_at_percentile(100), samples.back());
}

TEST(Histogram, StatedErrorMatchesSignificantDigits) {
  for (int digits = 1; digits <= 4; ++digits) {
    Histogram h(digits);
    EXPECT_LE(h.relative_error(), std::pow(10.0, -digits)) << digits;
  }
}

TEST(Histogram, UniformPercentilesAreWithinRelativeError) {
  for (int digits : {2, 3}) {
    Histogram h(digits);
    std::vector<std::uint64_t> samples;
    for (std::uint64_t v = 1; v <= 1'000'000; ++v) {
      h.record(v * 1000);  // 1us .. 1s in ns
      samples.push_back(v * 1000);
    }
    EXPECT_EQ(h.count(), 1'000'000u);
    expect_percentiles_match(h, samples);
  }
}

TEST(Histogram, ExponentialPercentilesAreWithinRelativeError) {
  std::mt19937_64 rng(42);
  std::exponential_distribution<double> dist(1.0 / 2e6);  // mean 2 ms
  Histogram h(3);
  std::vector<std::uint64_t> samples;
  for (int i = 0; i < 200'000; ++i) {
    const auto v = static_cast<std::uint64_t>(dist(rng)) + 1;
    h.record(v);
    samples.push_back(v);
  }
  expect_percentiles_match(h, samples);
  const double mean = std::accumulate(samples.begin(), samples.end(), 0.0) / samples.size();
  EXPECT_NEAR(h.mean(), mean, mean * 1e-9);
}

TEST(Histogram, SmallValuesAreExact) {
  Histogram h(3);
  for (std::uint64_t v = 0; v < 2000; ++v) h.record(v);
  EXPECT_EQ(h.value_at_percentile(50), 999u);
  EXPECT_EQ(h.value_at_percentile(0.05), 0u);
}

TEST(Histogram, MergeEqualsRecordingEverythingInOne) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> dist(13.0, 1.5);
  Histogram a(3), b(3), all(3);
  std::vector<std::uint64_t> samples;
  for (int i = 0; i < 100'000; ++i) {
    const auto v = static_cast<std::uint64_t>(dist(rng));
    (i % 3 ? a : b).record(v);
    all.record(v);
    samples.push_back(v);
  }
  ASSERT_TRUE(a.merge(b).has_value());
  EXPECT_EQ(a.count(), all.count());
  EXPECT_EQ(a.max(), all.max());
  EXPECT_EQ(a.min(), all.min());
  for (double p : {50.0, 90.0, 99.0, 99.9}) EXPECT_EQ(a.value_at_percentile(p), all.value_at_percentile(p));
  expect_percentiles_match(a, samples);
}

TEST(Histogram, MergeRefusesDifferentPrecision) {
  Histogram a(3), b(2);
  b.record(5);
  EXPECT_FALSE(a.merge(b).has_value());
  EXPECT_EQ(a.count(), 0u);
}

TEST(Histogram, MaxIsExactEvenInAWideBucket) {
  Histogram h(2);
  h.record(1'000);
  h.record(123'456'789);
  EXPECT_EQ(h.max(), 123'456'789u);
  EXPECT_EQ(h.value_at_percentile(100), 123'456'789u);
  EXPECT_EQ(h.value_at_percentile(99.9), 123'456'789u);  // clamped to max
}

TEST(Histogram, ValuesOverTheRangeSaturate) {
  Histogram h(3, 1'000'000);
  h.record(5'000'000);
  EXPECT_EQ(h.max(), 1'000'000u);
  EXPECT_EQ(h.saturated(), 1u);
}

TEST(Histogram, EmptyAndReset) {
  Histogram h(3);
  EXPECT_EQ(h.value_at_percentile(99), 0u);
  h.record(42, 10);
  EXPECT_EQ(h.count(), 10u);
  h.reset();
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.min(), 0u);
}

}  // namespace
}  // namespace hookd::load
