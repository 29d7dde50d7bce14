// The deadline watchdog parks when no call has run for a while (no wakeups
// on an idle gateway) and a call armed right after it parked is still
// stopped at its deadline.
#include "watchdog.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "eventually.hpp"

namespace hookd::engine {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using hookd::test::eventually;

TEST(Watchdog, ParksWhenNoCallRunsAndStopsTicking) {
  Watchdog watchdog(1ms, 20ms);
  if (!watchdog.can_park()) GTEST_SKIP() << "membarrier(2) is not available: the watchdog never parks here";
  DeadlineSlot slot([] {});
  watchdog.add(&slot);
  ASSERT_TRUE(eventually([&] { return watchdog.parks() >= 1; }, hookd::test::kWaitBound, 1ms));
  const uint64_t ticks = watchdog.ticks();
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(watchdog.ticks(), ticks) << "a parked watchdog does not tick";
  watchdog.remove(&slot);
}

TEST(Watchdog, KeepsTickingWhileCallsRun) {
  // Parks after 300 ms without a call: far more than this thread is ever
  // kept off a core on a loaded box, so only a watchdog that misses the
  // calls parks here; the calls go on for five times that.
  Watchdog watchdog(1ms, 300ms);
  DeadlineSlot slot([] {});
  watchdog.add(&slot);
  // Short calls, none of them running when most ticks look: each changes
  // the slot's sequence number, which counts as activity.
  const auto end = Clock::now() + 1500ms;
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
    ASSERT_TRUE(eventually([&] { return watchdog.parks() > parks; }, hookd::test::kWaitBound, 1ms));
    terminated.store(false);
    const auto armed = Clock::now();
    slot.arm(50ms);
    ASSERT_TRUE(eventually([&] { return terminated.load(); }, hookd::test::kWaitBound, 1ms))
        << "round " << round;
    // Not before its deadline; after it, eventually() above bounds the wait
    // (a parked watchdog that missed the call would never stop it).
    EXPECT_GE(Clock::now() - armed, 50ms);
    bool cancelled = false;
    EXPECT_TRUE(slot.disarm([&] { cancelled = true; }));
    EXPECT_TRUE(cancelled);
  }
  watchdog.remove(&slot);
}

}  // namespace
}  // namespace hookd::engine
