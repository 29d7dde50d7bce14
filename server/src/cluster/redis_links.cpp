#include "cluster/redis_links.hpp"

namespace hookd::server::cluster {
namespace {

host::RedisKvOptions links_options(const config::RedisConfig& redis) {
  host::RedisKvOptions o = host::redis_options(redis);
  o.pool_size = 2;  // per pool: an admin request beside a heartbeat; the follower's one read
  return o;
}

}  // namespace

RedisLinks::RedisLinks(const config::RedisConfig& redis)
    : options_(links_options(redis)), admin_(options_), follow_(options_) {}

}  // namespace hookd::server::cluster
