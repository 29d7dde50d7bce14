// The dashboard's per-second time series (server/src/observability/time_series.hpp): known
// load in, known aggregates out; fixed memory; old seconds expire.
#include "observability/time_series.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>

namespace hookd::server {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

constexpr uint32_t kT0 = 1'800'000'000;

TEST(TimeSeries, KnownLoadGivesKnownCountsPerSecond) {
  auto ring = std::make_unique<SecondRing>();
  // Second kT0: 10 requests at 40us (bucket 0), 2 of them errors.
  for (int i = 0; i < 10; ++i) ring->record(kT0, latency_bucket(microseconds(40)), i < 2);
  // Second kT0+2: 5 requests at 3 ms (bucket of 5 ms).
  for (int i = 0; i < 5; ++i) ring->record(kT0 + 2, latency_bucket(milliseconds(3)), false);

  auto w = make_window(kT0 + 2, 3);
  ring->add_to(w);
  ASSERT_EQ(w.seconds.size(), 3u);
  EXPECT_EQ(w.seconds[0].requests(), 10u);
  EXPECT_EQ(w.seconds[0].errors, 2u);
  EXPECT_EQ(w.seconds[0].buckets[0], 10u);
  EXPECT_EQ(w.seconds[1].requests(), 0u);
  EXPECT_EQ(w.seconds[2].requests(), 5u);
  EXPECT_EQ(w.seconds[2].buckets[latency_bucket(milliseconds(3))], 5u);
  EXPECT_EQ(w.seconds[2].errors, 0u);
}

TEST(TimeSeries, RingsOfSeveralWorkersAddUp) {
  auto a = std::make_unique<SecondRing>();
  auto b = std::make_unique<SecondRing>();
  for (int i = 0; i < 7; ++i) a->record(kT0, 3, false);
  for (int i = 0; i < 4; ++i) b->record(kT0, 3, true);
  auto w = make_window(kT0, 1);
  a->add_to(w);
  b->add_to(w);
  EXPECT_EQ(w.seconds[0].requests(), 11u);
  EXPECT_EQ(w.seconds[0].errors, 4u);
}

TEST(TimeSeries, SecondsOlderThanTheWindowAreNotReported) {
  auto ring = std::make_unique<SecondRing>();
  ring->record(kT0, 0, false);
  auto w = make_window(kT0 + SecondRing::kSlots, SecondRing::kSlots);  // kT0 is 900 s old
  ring->add_to(w);
  for (const auto& s : w.seconds) EXPECT_EQ(s.requests(), 0u);

  auto inside = make_window(kT0 + SecondRing::kSlots - 1, SecondRing::kSlots);  // 899 s old: the oldest kept
  ring->add_to(inside);
  EXPECT_EQ(inside.seconds.front().requests(), 1u);
}

TEST(TimeSeries, ASlotReusedAfterFifteenMinutesStartsFromZero) {
  auto ring = std::make_unique<SecondRing>();
  for (int i = 0; i < 100; ++i) ring->record(kT0, 1, true);
  // Same slot, 900 seconds later: the old second is gone, not added.
  ring->record(kT0 + SecondRing::kSlots, 1, false);
  auto w = make_window(kT0 + SecondRing::kSlots, SecondRing::kSlots);
  ring->add_to(w);
  uint64_t total = 0, errors = 0;
  for (const auto& s : w.seconds) {
    total += s.requests();
    errors += s.errors;
  }
  EXPECT_EQ(total, 1u);
  EXPECT_EQ(errors, 0u);
}

TEST(TimeSeries, AClockSteppingBackDoesNotEraseANewerSecond) {
  auto ring = std::make_unique<SecondRing>();
  ring->record(kT0 + SecondRing::kSlots, 0, false);
  ring->record(kT0, 0, false);  // same slot, older: counted in the newer second
  auto w = make_window(kT0 + SecondRing::kSlots, 1);
  ring->add_to(w);
  EXPECT_EQ(w.seconds[0].requests(), 2u);
}

TEST(TimeSeries, MemoryIsFixedWhateverTheLoad) {
  // The ring is one fixed array: 900 slots of a stamp, an error count and
  // one counter per latency bucket, all 32-bit.
  EXPECT_EQ(sizeof(SecondRing), SecondRing::kSlots * (2 + kSeriesBuckets) * sizeof(uint32_t));
  auto ring = std::make_unique<SecondRing>();
  for (uint32_t s = 0; s < 5 * SecondRing::kSlots; ++s) ring->record(kT0 + s, s % kSeriesBuckets, s % 2 == 0);
  auto w = make_window(kT0 + 5 * SecondRing::kSlots - 1, SecondRing::kSlots);
  ring->add_to(w);
  for (const auto& s : w.seconds) EXPECT_EQ(s.requests(), 1u);
}

TEST(TimeSeries, BadInputIsIgnoredNotACrash) {
  auto ring = std::make_unique<SecondRing>();
  ring->record(0, 0, false);                // second 0 marks an empty slot
  ring->record(kT0, kSeriesBuckets, true);  // no such bucket
  auto w = make_window(kT0, 0);             // clamped to 1 second
  ASSERT_EQ(w.seconds.size(), 1u);
  ring->add_to(w);
  EXPECT_EQ(w.seconds[0].requests(), 0u);
  EXPECT_EQ(make_window(kT0, 100000).seconds.size(), SecondRing::kSlots);
}

TEST(TimeSeries, QuantilesInterpolateInsideTheBucketLikePrometheus) {
  std::array<uint64_t, kSeriesBuckets> b{};
  EXPECT_FALSE(quantile_ms(b, 0.5).has_value());
  // 100 requests in (50us, 100us]: p50 is halfway through that bucket.
  b[1] = 100;
  EXPECT_NEAR(*quantile_ms(b, 0.5), 0.075, 1e-9);
  EXPECT_NEAR(*quantile_ms(b, 0.99), 0.0995, 1e-9);
  // 99 fast ones and one in +Inf: p99 is still fast, p100 is the largest bound.
  b = {};
  b[0] = 99;
  b[kSeriesBuckets - 1] = 1;
  EXPECT_LE(*quantile_ms(b, 0.99), 0.05);
  EXPECT_DOUBLE_EQ(*quantile_ms(b, 1.0), 10'000.0);
}

}  // namespace
}  // namespace hookd::server
