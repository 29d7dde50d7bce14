// Request bytes being received: the bodies of HTTP requests and the
// WebSocket messages that are still arriving or are being answered, across
// every connection and worker (limits.max_buffered_request_bytes). Each
// connection reserves before its parser or its WebSocket stream buffers:
// a body with a Content-Length reserves that length at its header (Beast's
// string body allocates it there); a chunked body or a WebSocket message
// reserves what its next read can add. A reservation that would pass the
// limit fails, and the connection is refused (HTTP: 503 + Retry-After and
// close; WebSocket: close 1013, try again later). Refusals are counted for
// /metrics. A connection gives its bytes back when its buffer is freed or
// reused: after its response is written, on error and on close.
//
// What is counted is bytes, not capacity: a chunked body or a WebSocket
// message grows its buffer by doubling, so the memory behind the count can
// be up to twice the count.
//
// Bodies of many connections allocated at once and freed together leave the
// allocator's arenas full of free pages that it does not return by itself;
// when the total falls to a quarter of a peak of at least kTrimAfterPeak,
// the budget calls its trim hook once (the gateway posts malloc_trim to the
// admin thread, off the request path).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <utility>

namespace hookd::server {

// The most one read of a WebSocket message (past its first) may add, and so
// what it reserves first: a message in progress holds what it has received
// plus one part.
inline constexpr std::size_t kWsMessagePart = 64 * 1024;

class RequestBudget {
 public:
  // A peak worth returning memory after.
  static constexpr int64_t kTrimAfterPeak = 64 * 1024 * 1024;

  RequestBudget() = default;
  RequestBudget(const RequestBudget&) = delete;
  RequestBudget& operator=(const RequestBudget&) = delete;

  // Before any connection is accepted.
  void set_limit(uint64_t limit) { limit_ = static_cast<int64_t>(limit); }
  void set_trim(std::function<void()> trim) { trim_ = std::move(trim); }

  // Adds `bytes` unless the total would pass the limit; a refusal is counted.
  bool take(int64_t bytes) {
    int64_t total = total_.load(std::memory_order_relaxed);
    do {
      if (total + bytes > limit_) {
        refusals_.fetch_add(1, std::memory_order_relaxed);
        return false;
      }
    } while (!total_.compare_exchange_weak(total, total + bytes, std::memory_order_relaxed));
    total += bytes;
    int64_t peak = peak_.load(std::memory_order_relaxed);
    while (total > peak && !peak_.compare_exchange_weak(peak, total, std::memory_order_relaxed)) {
    }
    return true;
  }

  void give_back(int64_t bytes) {
    const int64_t total = total_.fetch_sub(bytes, std::memory_order_relaxed) - bytes;
    int64_t peak = peak_.load(std::memory_order_relaxed);
    if (peak < kTrimAfterPeak || total > peak / 4) return;
    // One thread wins the exchange and trims; the next trim needs a new peak.
    if (peak_.compare_exchange_strong(peak, total, std::memory_order_relaxed) && trim_) trim_();
  }

  [[nodiscard]] int64_t held() const { return total_.load(std::memory_order_relaxed); }
  [[nodiscard]] uint64_t refusals() const { return refusals_.load(std::memory_order_relaxed); }

 private:
  int64_t limit_ = 268'435'456;
  std::function<void()> trim_;
  std::atomic<int64_t> total_{0};
  std::atomic<int64_t> peak_{0};  // the highest total since the last trim
  std::atomic<uint64_t> refusals_{0};
};

// One connection's share of the budget: the body or message it is receiving.
// Used from the connection's thread only.
class HeldRequestBytes {
 public:
  explicit HeldRequestBytes(RequestBudget& budget) : budget_(budget) {}
  ~HeldRequestBytes() { release(); }
  HeldRequestBytes(const HeldRequestBytes&) = delete;
  HeldRequestBytes& operator=(const HeldRequestBytes&) = delete;

  // Holds at least `bytes`; false, holding what it held, when the budget
  // cannot give the difference.
  [[nodiscard]] bool reserve(uint64_t bytes) {
    const auto want = static_cast<int64_t>(bytes);
    if (want <= held_) return true;
    if (!budget_.take(want - held_)) return false;
    held_ = want;
    return true;
  }
  // Holds `bytes` (at most what it reserved): a read took less than it might.
  void settle(uint64_t bytes) {
    const auto keep = static_cast<int64_t>(bytes);
    if (keep >= held_) return;
    budget_.give_back(held_ - keep);
    held_ = keep;
  }
  void release() { settle(0); }

 private:
  RequestBudget& budget_;
  int64_t held_ = 0;
};

}  // namespace hookd::server
