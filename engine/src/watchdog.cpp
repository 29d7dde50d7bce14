#include "watchdog.hpp"

#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

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

namespace {

// membarrier(2), private expedited: a memory barrier on every CPU running a
// thread of this process. Registered once; false where the kernel (or a
// seccomp filter) does not offer it.
bool membarrier_registered() {
  static const bool ok = [] {
    const long commands = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
    if (commands < 0 || (commands & MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0) return false;
    return syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
  }();
  return ok;
}

bool process_wide_barrier() { return syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) == 0; }

}  // namespace

bool DeadlineSlot::check(uint64_t now) {
  uint64_t s = state_.load(std::memory_order_acquire);
  // Every call changes the state (its sequence number), so a state unlike
  // the last tick's means a call ran since; a running one is activity too.
  const bool active = s != last_state_ || (s & kRunning) != 0;
  last_state_ = s;
  if ((s & kRunning) == 0 || s == kTerminating) {
    seen_state_ = 0;
    return active;
  }
  if (s != seen_state_) {  // a call we have not timed yet
    seen_state_ = s;
    seen_since_ns_ = now;
    return active;
  }
  if (now - seen_since_ns_ < timeout_ns_.load(std::memory_order_relaxed)) return active;
  if (!state_.compare_exchange_strong(s, kTerminating, std::memory_order_acq_rel)) return active;
  seen_state_ = 0;
  terminate_();
  terminated_.store(true, std::memory_order_release);
  return active;
}

bool DeadlineSlot::running() const { return (state_.load(std::memory_order_seq_cst) & kRunning) != 0; }

void DeadlineSlot::wake_watchdog() { watchdog_->wake(); }

Watchdog::Watchdog(std::chrono::microseconds tick, std::chrono::microseconds park_after)
    : tick_(tick),
      park_after_ticks_(static_cast<uint64_t>(
          std::max<int64_t>(1, park_after / std::max(tick, std::chrono::microseconds(1))))),
      can_park_(membarrier_registered()) {}

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
  slot->watchdog_ = this;
  slot->parked_ = &parked_;
  slots_.push_back(slot);
  if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
}

void Watchdog::remove(DeadlineSlot* slot) {
  std::lock_guard lock(mu_);
  slots_.erase(std::remove(slots_.begin(), slots_.end(), slot), slots_.end());
}

void Watchdog::wake() {
  {
    std::lock_guard lock(mu_);
    parked_.store(false, std::memory_order_relaxed);
  }
  cv_.notify_one();
}

void Watchdog::run() {
  std::unique_lock lock(mu_);
  uint64_t quiet_ticks = 0;
  while (!stop_) {
    cv_.wait_for(lock, tick_);
    if (stop_) break;
    const uint64_t now = DeadlineSlot::now_ns();
    // Slots are removed under this lock before their worker is destroyed,
    // so terminating through them here is safe.
    bool active = false;
    for (DeadlineSlot* s : slots_) active = s->check(now) || active;
    ticks_.fetch_add(1, std::memory_order_relaxed);
    quiet_ticks = active ? 0 : quiet_ticks + 1;
    if (!can_park_ || quiet_ticks < park_after_ticks_) continue;
    quiet_ticks = 0;
    // Announce the park, make every thread's earlier stores visible, then
    // look again: a call armed before the barrier is seen here, one armed
    // after it sees parked_ and wakes us (DeadlineSlot::arm).
    parked_.store(true, std::memory_order_seq_cst);
    const bool barrier = process_wide_barrier();
    const bool running =
        std::any_of(slots_.begin(), slots_.end(), [](DeadlineSlot* s) { return s->running(); });
    if (!barrier || running) {
      parked_.store(false, std::memory_order_relaxed);
      continue;
    }
    parks_.fetch_add(1, std::memory_order_relaxed);
    cv_.wait(lock, [this] { return stop_ || !parked_.load(std::memory_order_relaxed); });
  }
}

}  // namespace hookd::engine
