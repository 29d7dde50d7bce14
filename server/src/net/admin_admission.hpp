// Who gets a slot on the admin listener (limits.admin_max_connections).
// Connections that have not yet presented a valid token cannot lock the
// operator out: when every slot is taken, the oldest connection that has not
// shown the token is closed to admit the new one. A client without the token
// can thus only push out other clients without it; the operator's request,
// whose header follows its connect at once, is authorized before enough
// later connections arrive to reach it. Only when every slot holds an
// authorized connection is the new one refused (503).
//
// Admin thread only: the admin listener's accepts and the anonymous
// sessions' handlers all run there.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>

#include "net/admin_session.hpp"

namespace hookd::server {

class AdminAdmission {
 public:
  explicit AdminAdmission(std::size_t max_connections)
      : compact_at_(2 * std::max<std::size_t>(max_connections, 8)) {}

  // A session just admitted; it starts out without the token.
  void add(const std::shared_ptr<AdminSession>& session) {
    if (order_.size() >= compact_at_) {
      std::erase_if(order_, [](const std::weak_ptr<AdminSession>& w) {
        auto s = w.lock();
        return !s || !s->anonymous();
      });
    }
    order_.push_back(session);
  }

  // Closes the oldest session that has not shown the token, which gives its
  // slot back; false when there is none.
  bool evict_oldest() {
    while (!order_.empty()) {
      auto s = order_.front().lock();
      order_.pop_front();
      // One that showed the token never becomes anonymous again.
      if (s && s->anonymous()) {
        s->evict();
        evicted_.fetch_add(1, std::memory_order_relaxed);
        return true;
      }
    }
    return false;
  }

  // Any thread (/metrics).
  [[nodiscard]] uint64_t evicted() const { return evicted_.load(std::memory_order_relaxed); }

 private:
  std::size_t compact_at_;
  std::deque<std::weak_ptr<AdminSession>> order_;  // in the order they were accepted
  std::atomic<uint64_t> evicted_{0};
};

}  // namespace hookd::server
