// Response bytes held while clients read them. A response is counted in its
// gateway's ResponseBudget from the start of its write until the write ends
// (sent, failed or timed out); while the total is at
// limits.max_buffered_response_bytes, new plugin calls get 503 with
// Retry-After instead of adding more. Each response is also capped at
// limits.max_response_bytes (plugin_call.cpp), so the total can pass the limit
// by at most one response per thread that writes.
#pragma once

#include <atomic>
#include <cstdint>

namespace hookd::server {

// Bytes of responses being written now, all connections of both kinds
// (limits.max_buffered_response_bytes).
class ResponseBudget {
 public:
  explicit ResponseBudget(uint64_t limit) : limit_(static_cast<int64_t>(limit)) {}
  ResponseBudget(const ResponseBudget&) = delete;
  ResponseBudget& operator=(const ResponseBudget&) = delete;

  // True while responses being written hold the whole budget.
  [[nodiscard]] bool spent() const { return total_.load(std::memory_order_relaxed) >= limit_; }

 private:
  friend class HeldResponseBytes;
  std::atomic<int64_t> total_{0};
  int64_t limit_;
};

// One connection's share of the total: what it is writing now.
class HeldResponseBytes {
 public:
  explicit HeldResponseBytes(ResponseBudget& budget) : total_(budget.total_) {}
  ~HeldResponseBytes() { release(); }
  HeldResponseBytes(const HeldResponseBytes&) = delete;
  HeldResponseBytes& operator=(const HeldResponseBytes&) = delete;

  void hold(uint64_t bytes) {
    release();
    held_ = static_cast<int64_t>(bytes);
    total_.fetch_add(held_, std::memory_order_relaxed);
  }
  void release() {
    if (held_ == 0) return;
    total_.fetch_sub(held_, std::memory_order_relaxed);
    held_ = 0;
  }

 private:
  std::atomic<int64_t>& total_;
  int64_t held_ = 0;
};

}  // namespace hookd::server
