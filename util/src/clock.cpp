#include "hookd/util/clock.hpp"

namespace hookd::util {
namespace {

class SystemClock final : public Clock {
 public:
  [[nodiscard]] std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::now();
  }
  [[nodiscard]] std::chrono::steady_clock::time_point monotonic() const override {
    return std::chrono::steady_clock::now();
  }
};

}  // namespace

std::shared_ptr<const Clock> system_clock() {
  static const auto clock = std::make_shared<const SystemClock>();
  return clock;
}

ManualClock::ManualClock(std::chrono::system_clock::time_point wall)
    : wall_ns_(std::chrono::duration_cast<std::chrono::nanoseconds>(wall.time_since_epoch()).count()) {}

std::chrono::system_clock::time_point ManualClock::now() const {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::nanoseconds(wall_ns_.load(std::memory_order_acquire))));
}

std::chrono::steady_clock::time_point ManualClock::monotonic() const {
  return std::chrono::steady_clock::time_point(
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(
          std::chrono::nanoseconds(mono_ns_.load(std::memory_order_acquire))));
}

void ManualClock::advance(std::chrono::nanoseconds d) {
  wall_ns_.fetch_add(d.count(), std::memory_order_acq_rel);
  mono_ns_.fetch_add(d.count(), std::memory_order_acq_rel);
}

}  // namespace hookd::util
