#include "hookd/load/schedule.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace hookd::load {
namespace {

TEST(RateSchedule, IntendedTimesAreExactMultiplesOfThePeriod) {
  const auto start = Clock::now();
  RateSchedule s(1000, start);
  for (std::uint64_t i = 0; i < 100'000; ++i) ASSERT_EQ(s.intended(i) - start, std::chrono::milliseconds(i));
}

TEST(RateSchedule, NonIntegerPeriodsDoNotDrift) {
  RateSchedule s(3, Clock::now());  // period 333,333,333.3 ns
  for (std::uint64_t i : {1ULL, 2ULL, 3ULL, 1'000'000ULL, 123'456'789ULL}) {
    const long double exact = static_cast<long double>(i) * 1e9L / 3;
    EXPECT_LE(std::fabs(static_cast<long double>(s.offset(i).count()) - exact), 0.5L) << i;
  }
  EXPECT_EQ(s.offset(3), std::chrono::seconds(1));
  EXPECT_EQ(s.offset(3'000'000), std::chrono::seconds(1'000'000));
}

TEST(RateSchedule, FirstIndexAtFindsTheBoundary) {
  RateSchedule s(7, Clock::now());
  for (std::int64_t ms : {0, 1, 142, 143, 999, 1000, 1001, 60'000}) {
    const auto t = std::chrono::milliseconds(ms);
    const auto i = s.first_index_at(t);
    EXPECT_GE(s.offset(i), t);
    if (i > 0) {
      EXPECT_LT(s.offset(i - 1), t);
    }
  }
}

TEST(CountResidue, CountsAWorkersShareOfSlots) {
  // Slots 0..9 over 3 workers: 0,3,6,9 / 1,4,7 / 2,5,8.
  EXPECT_EQ(count_residue(0, 10, 0, 3), 4u);
  EXPECT_EQ(count_residue(0, 10, 1, 3), 3u);
  EXPECT_EQ(count_residue(0, 10, 2, 3), 3u);
  EXPECT_EQ(count_residue(4, 8, 1, 3), 2u);  // 4, 7
  EXPECT_EQ(count_residue(5, 5, 2, 3), 0u);
}

}  // namespace
}  // namespace hookd::load
