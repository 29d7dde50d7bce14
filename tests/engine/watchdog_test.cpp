// The deadline watchdog parks when no call has run for a while (no wakeups
// on an idle gateway) and a call armed right after it parked is still
// stopped at its deadline.
#include "watchdog.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace hookd::engine {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

template <class Pred>
bool wait_until(Pred pred, std::chrono::milliseconds limit) {
  const auto end = Clock::now() + limit;
  while (!pred()) {
    if (Clock::now() > end) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

TEST(Watchdog, ParksWhenNoCallRunsAndStopsTicking) {
  Watchdog watchdog(1ms, 20ms);
  if (!watchdog.can_park()) GTEST_SKIP() << "membarrier(2) is not available: the watchdog never parks here";
  DeadlineSlot slot([] {});
  watchdog.add(&slot);
  ASSERT_TRUE(wait_until([&] { return watchdog.parks() >= 1; }, 5000ms));
  const uint64_t ticks = watchdog.ticks();
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(watchdog.ticks(), ticks) << "a parked watchdog does not tick";
  watchdog.remove(&slot);
}

TEST(Watchdog, KeepsTickingWhileCallsRun) {
  Watchdog watchdog(1ms, 20ms);
  DeadlineSlot slot([] {});
  watchdog.add(&slot);
  // Short calls, none of them running when most ticks look: each changes
  // the slot's sequence number, which counts as activity.
  const auto end = Clock::now() + 200ms;
  while (Clock::now() < end) {
    slot.arm(1s);
    (void)slot.disarm([] {});
    std::this_thread::sleep_for(200us);
  }
  EXPECT_EQ(watchdog.parks(), 0u);
  watchdog.remove(&slot);
}

TEST(Watchdog, ACallArmedRightAfterItParkedIsStoppedAtItsDeadline) {
  Watchdog watchdog(1ms, 20ms);
  if (!watchdog.can_park()) GTEST_SKIP() << "membarrier(2) is not available: the watchdog never parks here";
  std::atomic<bool> terminated{false};
  DeadlineSlot slot([&] { terminated.store(true); });
  watchdog.add(&slot);
  for (int round = 0; round < 3; ++round) {
    const uint64_t parks = watchdog.parks();
    ASSERT_TRUE(wait_until([&] { return watchdog.parks() > parks; }, 5000ms));
    terminated.store(false);
    const auto armed = Clock::now();
    slot.arm(50ms);
    ASSERT_TRUE(wait_until([&] { return terminated.load(); }, 5000ms)) << "round " << round;
    const auto elapsed = Clock::now() - armed;
    EXPECT_GE(elapsed, 50ms);
    EXPECT_LT(elapsed, 1000ms) << "round " << round;
    bool cancelled = false;
    EXPECT_TRUE(slot.disarm([&] { cancelled = true; }));
    EXPECT_TRUE(cancelled);
  }
  watchdog.remove(&slot);
}

}  // namespace
}  // namespace hookd::engine
