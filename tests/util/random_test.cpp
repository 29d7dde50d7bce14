#include "hookd/util/random.hpp"

#include <gtest/gtest.h>

#include <array>

namespace hookd::util {
namespace {

TEST(Random, TheSystemSourceFillsEveryByteAndDiffersBetweenCalls) {
  std::array<uint8_t, 64> a{}, b{};
  ASSERT_TRUE(system_random()->fill(a));
  ASSERT_TRUE(system_random()->fill(b));
  EXPECT_NE(a, b);
}

TEST(Random, TheSameSeedGivesTheSameBytes) {
  std::array<uint8_t, 37> a{}, b{}, c{};
  ASSERT_TRUE(deterministic_random(7)->fill(a));
  ASSERT_TRUE(deterministic_random(7)->fill(b));
  ASSERT_TRUE(deterministic_random(8)->fill(c));
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST(Random, AFixedSourceRepeatsItsPatternFromTheStartOfEveryFill) {
  auto fixed = fixed_random({1, 2, 3});
  std::array<uint8_t, 7> out{};
  ASSERT_TRUE(fixed->fill(out));
  EXPECT_EQ(out, (std::array<uint8_t, 7>{1, 2, 3, 1, 2, 3, 1}));
  std::array<uint8_t, 2> again{};
  ASSERT_TRUE(fixed->fill(again));
  EXPECT_EQ(again, (std::array<uint8_t, 2>{1, 2}));
}

TEST(Random, ASourceWithoutEntropyFailsInsteadOfFilling) {
  std::array<uint8_t, 4> out{};
  EXPECT_FALSE(fixed_random({})->fill(out));
}

}  // namespace
}  // namespace hookd::util
