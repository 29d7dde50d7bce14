// Response bytes held while clients read them. A response is counted in
// ServerContext::buffered_response_bytes from the start of its write until the
// write ends (sent, failed or timed out); while the total is at
// limits.max_buffered_response_bytes, new plugin calls get 503 with
// Retry-After instead of adding more. Each response is also capped at
// limits.max_response_bytes (plugin_call.cpp), so the total can pass the limit
// by at most one response per thread that writes.
#pragma once

#include <atomic>
#include <cstdint>

#include "server_context.hpp"

namespace hookd::server {

// One connection's share of the total: what it is writing now.
class HeldResponseBytes {
 public:
  explicit HeldResponseBytes(std::atomic<int64_t>& total) : total_(total) {}
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

// True while responses being written hold the whole budget.
inline bool response_budget_spent(const ServerContext& server) {
  return server.buffered_response_bytes.load(std::memory_order_relaxed) >=
         static_cast<int64_t>(server.config.limits.max_buffered_response_bytes);
}

}  // namespace hookd::server
