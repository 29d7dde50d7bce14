// Idle keep-alive connections, per destination (scheme, host, port and the
// address actually connected to), capped per destination and in total.
#pragma once

#include <chrono>
#include <compare>
#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "fetch/connection.hpp"

namespace hookd::host::fetch {

struct PoolKey {
  std::string scheme;
  std::string host;
  std::uint16_t port = 0;
  std::string address;
  auto operator<=>(const PoolKey&) const = default;
};

class ConnectionPool {
 public:
  ConnectionPool(std::size_t max_idle_per_destination, std::size_t max_idle_total,
                 std::chrono::milliseconds idle_timeout);

  /// The most recently used idle connection for `key` that still looks open,
  /// or null. Connections found closed or too old are dropped on the way.
  std::unique_ptr<Connection> take(const PoolKey& key);

  /// Keeps `connection` for reuse unless a cap is reached.
  void put(PoolKey key, std::unique_ptr<Connection> connection);

  std::size_t idle_count() const;

 private:
  const std::size_t max_per_destination_;
  const std::size_t max_total_;
  const std::chrono::milliseconds idle_timeout_;
  mutable std::mutex mutex_;
  std::map<PoolKey, std::deque<std::unique_ptr<Connection>>> idle_;
  std::size_t total_ = 0;
};

}  // namespace hookd::host::fetch
