#include "observability/time_series.hpp"

#include <time.h>

#include <algorithm>

namespace hookd::server {
namespace {

// Every counter has one writer: a relaxed load and store, not fetch_add.
inline void bump32(std::atomic<uint32_t>& c) noexcept {
  c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

}  // namespace

uint64_t SecondRing::Second::requests() const {
  uint64_t n = 0;
  for (uint64_t b : buckets) n += b;
  return n;
}

void SecondRing::record(uint32_t second, size_t bucket, bool error) noexcept {
  if (second == 0 || bucket >= kSeriesBuckets) return;
  Slot& s = slots_[second % kSlots];
  const uint32_t stamp = s.second.load(std::memory_order_relaxed);
  if (stamp < second) {
    // A new second for this slot: mark it, clear it, stamp it. The release
    // store orders the zeros before the stamp for a reader's acquire.
    s.second.store(0, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
    s.errors.store(0, std::memory_order_relaxed);
    for (auto& b : s.buckets) b.store(0, std::memory_order_relaxed);
    s.second.store(second, std::memory_order_release);
  }
  bump32(s.buckets[bucket]);
  if (error) bump32(s.errors);
}

void SecondRing::add_to(Window& w) const noexcept {
  const auto span = static_cast<uint32_t>(w.seconds.size());
  if (span == 0) return;
  for (const Slot& s : slots_) {
    const uint32_t stamp = s.second.load(std::memory_order_acquire);
    if (stamp == 0 || stamp > w.now || w.now - stamp >= span) continue;
    Second copy;
    copy.errors = s.errors.load(std::memory_order_relaxed);
    for (size_t i = 0; i < kSeriesBuckets; ++i)
      copy.buckets[i] = s.buckets[i].load(std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_acquire);
    if (s.second.load(std::memory_order_relaxed) != stamp) continue;  // reset while read
    Second& into = w.seconds[span - 1 - (w.now - stamp)];
    into.errors += copy.errors;
    for (size_t i = 0; i < kSeriesBuckets; ++i) into.buckets[i] += copy.buckets[i];
  }
}

SecondRing::Window make_window(uint32_t now, uint32_t seconds) {
  seconds = std::clamp<uint32_t>(seconds, 1, SecondRing::kSlots);
  SecondRing::Window w;
  w.now = now;
  w.seconds.resize(seconds);
  return w;
}

std::optional<double> quantile_ms(const std::array<uint64_t, kSeriesBuckets>& buckets, double q) {
  uint64_t total = 0;
  for (uint64_t b : buckets) total += b;
  if (total == 0) return std::nullopt;
  q = std::clamp(q, 0.0, 1.0);
  const double rank = q * static_cast<double>(total);
  uint64_t below = 0;
  for (size_t i = 0; i < kSeriesBuckets; ++i) {
    const uint64_t here = buckets[i];
    if (here == 0 || static_cast<double>(below + here) < rank) {
      below += here;
      continue;
    }
    if (i == kDurationBuckets.size()) break;  // +Inf: the largest finite bound
    const double upper = std::chrono::duration<double, std::milli>(kDurationBuckets[i]).count();
    const double lower =
        i == 0 ? 0.0 : std::chrono::duration<double, std::milli>(kDurationBuckets[i - 1]).count();
    const double within = (rank - static_cast<double>(below)) / static_cast<double>(here);
    return lower + (upper - lower) * std::clamp(within, 0.0, 1.0);
  }
  return std::chrono::duration<double, std::milli>(kDurationBuckets.back()).count();
}

size_t latency_bucket(std::chrono::nanoseconds latency) noexcept {
  size_t i = 0;
  while (i < kDurationBuckets.size() && latency > kDurationBuckets[i]) ++i;
  return i;
}

uint32_t unix_second_now() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME_COARSE, &ts);
  return static_cast<uint32_t>(ts.tv_sec);
}

}  // namespace hookd::server
