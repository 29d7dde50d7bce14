// Enforces per-call deadlines for every worker of a Vm from one thread.
// The call path never reads a clock: arming stores a call sequence number and
// the timeout in the worker's own slot, and the watchdog times each call from
// the first tick that sees it running. A call is therefore stopped between
// its deadline and its deadline plus one tick.
//
// A watchdog that saw no call for a while parks (sleeps until a call is
// armed) instead of ticking: an idle gateway wakes it up 0 times a second,
// not 500. Arming still costs no fence: the watchdog announces it parks,
// runs a process-wide memory barrier (membarrier(2)) and then looks at every
// slot again, so arm() needs only a compiler barrier before reading the
// announcement (an asymmetric Dekker handshake): either the watchdog sees
// the call, or the call sees the watchdog parked and wakes it. Without
// membarrier the watchdog never parks.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace hookd::engine {

class Watchdog;

class DeadlineSlot {
 public:
  explicit DeadlineSlot(std::function<void()> terminate) : terminate_(std::move(terminate)) {}

  void arm(std::chrono::nanoseconds timeout) {
    if (timeout.count() <= 0) return;
    timeout_ns_.store(static_cast<uint64_t>(timeout.count()), std::memory_order_relaxed);
    seq_ += 2;
    state_.store(seq_ | kRunning, std::memory_order_release);
    std::atomic_signal_fence(std::memory_order_seq_cst);  // the store before the load (see above)
    if (parked_ != nullptr && parked_->load(std::memory_order_relaxed)) wake_watchdog();
  }
  // Ends the call. Returns true when the watchdog terminated it; in that case
  // `cancel` has been run (after the watchdog finished terminating) so the
  // worker can execute again.
  template <class Cancel>
  bool disarm(Cancel&& cancel) {
    if ((state_.load(std::memory_order_relaxed) & kRunning) == 0) return false;
    if (state_.exchange(seq_, std::memory_order_acq_rel) != kTerminating) return false;
    wait_for_termination_request();
    cancel();
    return true;
  }

  // Watchdog side: terminates the call if its deadline has passed. Returns
  // whether a call ran since the last check.
  bool check(uint64_t now_ns);
  // Watchdog side, after the barrier: whether a call is running.
  [[nodiscard]] bool running() const;

  static uint64_t now_ns();

 private:
  // The watchdog claimed the call; wait until it has finished requesting
  // termination, or the request could land on a later call.
  void wait_for_termination_request();
  void wake_watchdog();
  friend class Watchdog;

  static constexpr uint64_t kRunning = 1;
  static constexpr uint64_t kTerminating = UINT64_MAX;
  uint64_t seq_ = 0;                // worker thread only
  std::atomic<uint64_t> state_{0};  // seq | kRunning while a call runs
  std::atomic<uint64_t> timeout_ns_{0};
  std::atomic<bool> terminated_{false};
  // Set by Watchdog::add before the slot's first call.
  const std::atomic<bool>* parked_ = nullptr;
  Watchdog* watchdog_ = nullptr;
  // Watchdog thread only.
  uint64_t last_state_ = 0;
  uint64_t seen_state_ = 0;
  uint64_t seen_since_ns_ = 0;
  std::function<void()> terminate_;
};

class Watchdog {
 public:
  // Parks after `park_after` without a call.
  explicit Watchdog(std::chrono::microseconds tick,
                    std::chrono::microseconds park_after = std::chrono::seconds(1));
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  void add(DeadlineSlot* slot);
  void remove(DeadlineSlot* slot);

  // For tests: ticks so far, times it parked, and whether it can park here.
  [[nodiscard]] uint64_t ticks() const { return ticks_.load(std::memory_order_relaxed); }
  [[nodiscard]] uint64_t parks() const { return parks_.load(std::memory_order_relaxed); }
  [[nodiscard]] bool can_park() const { return can_park_; }

 private:
  friend class DeadlineSlot;
  void run();
  void wake();

  std::chrono::microseconds tick_;
  uint64_t park_after_ticks_;
  bool can_park_;
  std::atomic<bool> parked_{false};
  std::atomic<uint64_t> ticks_{0};
  std::atomic<uint64_t> parks_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<DeadlineSlot*> slots_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace hookd::engine
