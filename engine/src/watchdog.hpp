// Enforces per-call deadlines for every worker of a Vm from one thread.
// The call path never reads a clock: arming stores a call sequence number and
// the timeout in the worker's own slot, and the watchdog times each call from
// the first tick that sees it running. A call is therefore stopped between
// its deadline and its deadline plus one tick.
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

class DeadlineSlot {
 public:
  explicit DeadlineSlot(std::function<void()> terminate) : terminate_(std::move(terminate)) {}

  void arm(std::chrono::nanoseconds timeout) {
    if (timeout.count() <= 0) return;
    timeout_ns_.store(static_cast<uint64_t>(timeout.count()), std::memory_order_relaxed);
    seq_ += 2;
    state_.store(seq_ | kRunning, std::memory_order_release);
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

  // Watchdog side: terminates the call if its deadline has passed.
  void check(uint64_t now_ns);

  static uint64_t now_ns();

 private:
  // The watchdog claimed the call; wait until it has finished requesting
  // termination, or the request could land on a later call.
  void wait_for_termination_request();

  static constexpr uint64_t kRunning = 1;
  static constexpr uint64_t kTerminating = UINT64_MAX;
  uint64_t seq_ = 0;                // worker thread only
  std::atomic<uint64_t> state_{0};  // seq | kRunning while a call runs
  std::atomic<uint64_t> timeout_ns_{0};
  std::atomic<bool> terminated_{false};
  // Watchdog thread only.
  uint64_t seen_state_ = 0;
  uint64_t seen_since_ns_ = 0;
  std::function<void()> terminate_;
};

class Watchdog {
 public:
  explicit Watchdog(std::chrono::microseconds tick) : tick_(tick) {}
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  void add(DeadlineSlot* slot);
  void remove(DeadlineSlot* slot);

 private:
  void run();

  std::chrono::microseconds tick_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<DeadlineSlot*> slots_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace hookd::engine
