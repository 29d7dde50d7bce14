// Enforces per-call deadlines for every worker of a Vm from one thread.
// Arming and disarming a call is a pair of atomic operations on the worker's
// own slot, so the call path takes no lock and makes no system call.
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

  void arm(std::chrono::nanoseconds timeout);
  // Ends the call. Returns true when the watchdog terminated it; in that case
  // `cancel` has been run (after the watchdog finished terminating) so the
  // worker can execute again.
  bool disarm(const std::function<void()>& cancel);

  // Watchdog side: terminates the call if its deadline has passed.
  void check(uint64_t now_ns);

  static uint64_t now_ns();

 private:
  static constexpr uint64_t kIdle = 0;
  static constexpr uint64_t kTerminating = UINT64_MAX;
  std::atomic<uint64_t> deadline_{kIdle};
  std::atomic<bool> terminated_{false};
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
