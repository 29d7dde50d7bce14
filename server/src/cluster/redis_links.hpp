// The cluster node's connections to Redis (the one the KV store shares):
// one pool for admin requests and heartbeats, one the follower blocks on
// while it waits for catalog changes, so a blocked read never delays a write.
// Opened by the composition root and handed to the node.
#pragma once

#include "hookd/config/config.hpp"
#include "hookd/host/redis_pool.hpp"

namespace hookd::server::cluster {

class RedisLinks {
 public:
  explicit RedisLinks(const config::RedisConfig& redis);
  RedisLinks(const RedisLinks&) = delete;
  RedisLinks& operator=(const RedisLinks&) = delete;

  [[nodiscard]] const host::RedisKvOptions& options() const { return options_; }
  host::detail::RedisPool& admin() { return admin_; }
  host::detail::RedisPool& follow() { return follow_; }

 private:
  host::RedisKvOptions options_;  // the pools keep a reference: declared first
  host::detail::RedisPool admin_;
  host::detail::RedisPool follow_;
};

}  // namespace hookd::server::cluster
