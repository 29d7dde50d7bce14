#include "observability/host_call_stats.hpp"

#include <algorithm>

namespace hookd::server {
namespace {

// Each thread takes the next slot the first time it records.
size_t this_threads_slot() noexcept {
  static std::atomic<size_t> next{0};
  thread_local const size_t slot = next.fetch_add(1, std::memory_order_relaxed) % HostCallStats::kSlots;
  return slot;
}

void add(std::atomic<uint64_t>& counter, uint64_t n) noexcept {
  counter.fetch_add(n, std::memory_order_relaxed);
}
uint64_t load(const std::atomic<uint64_t>& counter) noexcept {
  return counter.load(std::memory_order_relaxed);
}

}  // namespace

void HostCallStats::record(Slots& slots, const Call& c) noexcept {
  Slot& s = slots[this_threads_slot()];
  if (c.op < s.calls.size()) add(s.calls[c.op], 1);
  if (c.error) add(s.errors, 1);
  if (c.bytes_in != 0) add(s.bytes_in, c.bytes_in);
  if (c.bytes_out != 0) add(s.bytes_out, c.bytes_out);
  const auto took = std::max(c.took, std::chrono::nanoseconds::zero());
  size_t bucket = 0;
  while (bucket < kDurationBuckets.size() && took > kDurationBuckets[bucket]) ++bucket;
  add(s.buckets[bucket], 1);
  add(s.sum_ns, static_cast<uint64_t>(took.count()));
}

HostCallStats::Totals HostCallStats::sum(const Slots& slots) {
  Totals t;
  for (const Slot& s : slots) {
    for (size_t i = 0; i < t.calls.size(); ++i) t.calls[i] += load(s.calls[i]);
    t.errors += load(s.errors);
    t.bytes_in += load(s.bytes_in);
    t.bytes_out += load(s.bytes_out);
    t.sum_ns += load(s.sum_ns);
    for (size_t i = 0; i < t.buckets.size(); ++i) t.buckets[i] += load(s.buckets[i]);
  }
  return t;
}

}  // namespace hookd::server
