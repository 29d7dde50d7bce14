#include "watchdog.hpp"

#include <time.h>

#include <algorithm>

namespace hookd::engine {

uint64_t DeadlineSlot::now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ULL + static_cast<uint64_t>(ts.tv_nsec);
}

void DeadlineSlot::wait_for_termination_request() {
  while (!terminated_.load(std::memory_order_acquire)) std::this_thread::yield();
  terminated_.store(false, std::memory_order_relaxed);
}

void DeadlineSlot::check(uint64_t now) {
  uint64_t s = state_.load(std::memory_order_acquire);
  if ((s & kRunning) == 0 || s == kTerminating) {
    seen_state_ = 0;
    return;
  }
  if (s != seen_state_) {  // a call we have not timed yet
    seen_state_ = s;
    seen_since_ns_ = now;
    return;
  }
  if (now - seen_since_ns_ < timeout_ns_.load(std::memory_order_relaxed)) return;
  if (!state_.compare_exchange_strong(s, kTerminating, std::memory_order_acq_rel)) return;
  seen_state_ = 0;
  terminate_();
  terminated_.store(true, std::memory_order_release);
}

Watchdog::~Watchdog() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Watchdog::add(DeadlineSlot* slot) {
  std::lock_guard lock(mu_);
  slots_.push_back(slot);
  if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
}

void Watchdog::remove(DeadlineSlot* slot) {
  std::lock_guard lock(mu_);
  slots_.erase(std::remove(slots_.begin(), slots_.end(), slot), slots_.end());
}

void Watchdog::run() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    cv_.wait_for(lock, tick_);
    const uint64_t now = DeadlineSlot::now_ns();
    // Slots are removed under this lock before their worker is destroyed,
    // so terminating through them here is safe.
    for (DeadlineSlot* s : slots_) s->check(now);
  }
}

}  // namespace hookd::engine
