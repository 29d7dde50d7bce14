// What each plugin's KV and fetch host calls cost: calls, errors, latency
// and bytes, counted by the wrappers the gateway lends plugins instead of
// its store and fetcher (plugin_host_services.hpp), rendered by
// Metrics::render (hookd_kv_*, hookd_fetch_*).
//
// Host calls run on the I/O workers, the blocking lane and the loader, so
// the counters are split into slots, one per thread in turn: a thread adds
// to its own slot (an uncontended atomic add; a host call costs far more),
// and a scrape sums them.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "observability/metrics.hpp"

namespace hookd::server {

/// The op label of hookd_kv_calls_total (get_to counts as get).
enum class KvOp : uint8_t { kGet, kGetMany, kSet, kDel, kList, kIncr, kCas };
inline constexpr std::array<std::string_view, 7> kKvOpNames = {"get",  "get_many", "set", "del",
                                                               "list", "incr",     "cas"};

class HostCallStats {
 public:
  static constexpr size_t kSlots = 8;

  struct Call {
    size_t op = 0;  // a KvOp; 0 for a fetch
    bool error = false;
    uint64_t bytes_in = 0;   // read from the store, or the response body received
    uint64_t bytes_out = 0;  // written to the store, or the request body sent
    std::chrono::nanoseconds took{};
  };

  struct Totals {
    std::array<uint64_t, kKvOpNames.size()> calls{};
    uint64_t errors = 0;
    uint64_t bytes_in = 0;
    uint64_t bytes_out = 0;
    uint64_t sum_ns = 0;
    std::array<uint64_t, kDurationBuckets.size() + 1> buckets{};  // not cumulative
    [[nodiscard]] uint64_t all_calls() const {
      uint64_t n = 0;
      for (uint64_t c : calls) n += c;
      return n;
    }
  };

  // Any thread.
  void record_kv(const Call& c) noexcept { record(kv_, c); }
  void record_fetch(const Call& c) noexcept { record(fetch_, c); }
  [[nodiscard]] Totals kv_totals() const { return sum(kv_); }
  [[nodiscard]] Totals fetch_totals() const { return sum(fetch_); }

 private:
  struct alignas(64) Slot {
    std::array<std::atomic<uint64_t>, kKvOpNames.size()> calls{};
    std::atomic<uint64_t> errors{0};
    std::atomic<uint64_t> bytes_in{0};
    std::atomic<uint64_t> bytes_out{0};
    std::atomic<uint64_t> sum_ns{0};
    std::array<std::atomic<uint64_t>, kDurationBuckets.size() + 1> buckets{};
  };
  using Slots = std::array<Slot, kSlots>;

  static void record(Slots& slots, const Call& c) noexcept;
  static Totals sum(const Slots& slots);

  Slots kv_;
  Slots fetch_;
};

}  // namespace hookd::server
