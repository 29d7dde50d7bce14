#include "hookd/util/clock.hpp"

#include <gtest/gtest.h>

namespace hookd::util {
namespace {

using std::chrono::milliseconds;

TEST(Clock, AManualClockStandsStillUntilAdvanced) {
  ManualClock clock;
  const auto wall = clock.now();
  const auto mono = clock.monotonic();
  EXPECT_EQ(wall, std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000)));
  EXPECT_EQ(clock.now(), wall);
  clock.advance(milliseconds(1500));
  EXPECT_EQ(clock.now() - wall, milliseconds(1500));
  EXPECT_EQ(clock.monotonic() - mono, milliseconds(1500));
}

TEST(Clock, TheSystemClockIsTheProcesssClock) {
  const auto before = std::chrono::system_clock::now();
  const auto mono_before = std::chrono::steady_clock::now();
  const auto wall = system_clock()->now();
  const auto mono = system_clock()->monotonic();
  EXPECT_GE(wall, before);
  EXPECT_GE(mono, mono_before);
  EXPECT_LE(mono, std::chrono::steady_clock::now());
}

}  // namespace
}  // namespace hookd::util
