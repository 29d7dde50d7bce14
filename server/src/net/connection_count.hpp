// The public connections open now, and a wait for them to close (drain).
// Counting is one relaxed atomic add; only the close of the last connection
// takes the lock, to wake a drain.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace hookd::server {

class ConnectionCount {
 public:
  // The count before this one.
  int64_t add() { return n_.fetch_add(1, std::memory_order_relaxed); }
  void remove() {
    if (n_.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    // Under the lock, so a waiter between its check and its sleep is woken.
    std::lock_guard lock(mu_);
    zero_.notify_all();
  }
  [[nodiscard]] int64_t load() const { return n_.load(std::memory_order_relaxed); }

  // True once none is open; false at `deadline`.
  bool wait_for_none(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(mu_);
    return zero_.wait_until(lock, deadline, [this] { return n_.load(std::memory_order_acquire) == 0; });
  }

 private:
  std::atomic<int64_t> n_{0};
  std::mutex mu_;
  std::condition_variable zero_;
};

}  // namespace hookd::server
