// The one clock every layer takes through its constructor: wall time (KV
// TTLs, when a plugin was loaded) and monotonic time (elapsed, deadlines).
// The system clock in production; ManualClock in tests, which moves only when
// told to, so no test has to sleep to see a TTL pass.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>

namespace hookd::util {

class Clock {
 public:
  virtual ~Clock() = default;
  /// Wall time (may jump when the system time is set).
  [[nodiscard]] virtual std::chrono::system_clock::time_point now() const = 0;
  /// Monotonic time, for intervals.
  [[nodiscard]] virtual std::chrono::steady_clock::time_point monotonic() const = 0;
};

/// The process's clock (std::chrono's system and steady clocks); shared.
std::shared_ptr<const Clock> system_clock();

/// A clock for tests: both times stand still until set or advanced.
/// Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::chrono::system_clock::time_point wall = std::chrono::system_clock::time_point(
                           std::chrono::seconds(1'700'000'000)));  // 2023-11-14T22:13:20Z
  [[nodiscard]] std::chrono::system_clock::time_point now() const override;
  [[nodiscard]] std::chrono::steady_clock::time_point monotonic() const override;
  /// Moves both times forward by `d`.
  void advance(std::chrono::nanoseconds d);

 private:
  std::atomic<std::chrono::nanoseconds::rep> wall_ns_;
  std::atomic<std::chrono::nanoseconds::rep> mono_ns_{0};
};

}  // namespace hookd::util
