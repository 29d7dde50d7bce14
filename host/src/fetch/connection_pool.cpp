#include "fetch/connection_pool.hpp"

#include <vector>

namespace hookd::host::fetch {

ConnectionPool::ConnectionPool(std::size_t max_idle_per_destination, std::size_t max_idle_total,
                               std::chrono::milliseconds idle_timeout)
    : max_per_destination_(max_idle_per_destination),
      max_total_(max_idle_total),
      idle_timeout_(idle_timeout) {}

std::unique_ptr<Connection> ConnectionPool::take(const PoolKey& key) {
  std::vector<std::unique_ptr<Connection>> discarded;  // closed outside the lock
  std::unique_ptr<Connection> found;
  {
    std::lock_guard lock(mutex_);
    auto it = idle_.find(key);
    if (it == idle_.end()) return nullptr;
    auto& queue = it->second;
    const auto now = Clock::now();
    while (!queue.empty() && !found) {
      auto candidate = std::move(queue.back());
      queue.pop_back();
      --total_;
      if (now - candidate->idle_since < idle_timeout_ && candidate->idle_and_open()) {
        found = std::move(candidate);
      } else {
        discarded.push_back(std::move(candidate));
      }
    }
    if (queue.empty()) idle_.erase(it);
  }
  return found;
}

void ConnectionPool::put(PoolKey key, std::unique_ptr<Connection> connection) {
  std::unique_ptr<Connection> discarded;
  std::lock_guard lock(mutex_);
  auto& queue = idle_[key];
  if (queue.size() >= max_per_destination_ || total_ >= max_total_) {
    if (queue.empty()) idle_.erase(key);
    discarded = std::move(connection);
    return;  // `lock` is released before `discarded` is destroyed (reverse order)
  }
  connection->idle_since = Clock::now();
  queue.push_back(std::move(connection));
  ++total_;
}

std::size_t ConnectionPool::idle_count() const {
  std::lock_guard lock(mutex_);
  return total_;
}

}  // namespace hookd::host::fetch
