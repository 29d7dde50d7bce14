// The request budget's arithmetic (request_budget.hpp): reservations up to
// the limit and not past it, refusals counted, every byte given back, and
// one trim after a large peak has drained.
#include "net/request_budget.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

namespace hookd::server {
namespace {

TEST(RequestBudgetUnit, AReservationPastTheLimitFailsAndLeavesTheHoldAsItWas) {
  RequestBudget budget;
  budget.set_limit(1000);
  HeldRequestBytes a(budget);
  HeldRequestBytes b(budget);
  EXPECT_TRUE(a.reserve(600));
  EXPECT_TRUE(a.reserve(400));  // already held
  EXPECT_FALSE(b.reserve(401));
  EXPECT_EQ(budget.held(), 600);
  EXPECT_EQ(budget.refusals(), 1u);
  EXPECT_TRUE(b.reserve(400));
  EXPECT_EQ(budget.held(), 1000);
  b.settle(100);  // a read took less than it reserved
  EXPECT_EQ(budget.held(), 700);
  b.settle(500);  // settling never grows a hold
  EXPECT_EQ(budget.held(), 700);
}

TEST(RequestBudgetUnit, EveryHoldIsGivenBackOnReleaseAndDestruction) {
  RequestBudget budget;
  budget.set_limit(1000);
  {
    HeldRequestBytes a(budget);
    HeldRequestBytes b(budget);
    ASSERT_TRUE(a.reserve(300));
    ASSERT_TRUE(b.reserve(700));
    a.release();
    EXPECT_EQ(budget.held(), 700);
  }
  EXPECT_EQ(budget.held(), 0);
}

TEST(RequestBudgetUnit, MemoryIsTrimmedOnceAfterALargePeakDrains) {
  RequestBudget budget;
  budget.set_limit(uint64_t{1} << 40);
  int trims = 0;
  budget.set_trim([&] { ++trims; });
  constexpr int64_t kPart = RequestBudget::kTrimAfterPeak / 4;
  {
    std::vector<std::unique_ptr<HeldRequestBytes>> holds;
    for (int i = 0; i < 8; ++i) {
      holds.push_back(std::make_unique<HeldRequestBytes>(budget));
      ASSERT_TRUE(holds.back()->reserve(kPart));
    }
    // Down to half of the peak: not yet.
    holds.resize(4);
    EXPECT_EQ(trims, 0);
  }
  EXPECT_EQ(trims, 1);
  // Small traffic afterwards does not trim again.
  HeldRequestBytes small(budget);
  ASSERT_TRUE(small.reserve(1024));
  small.release();
  EXPECT_EQ(trims, 1);
}

}  // namespace
}  // namespace hookd::server
