#include "hookd/host/redis_kv_store.hpp"

namespace hookd::host {

RedisKvOptions redis_options(const config::RedisConfig& redis) {
  RedisKvOptions o;
  o.host = redis.address.host;
  o.port = redis.address.port;
  o.password = redis.password;
  o.database = static_cast<int>(redis.database);
  o.connect_timeout = redis.connect_timeout;
  o.command_timeout = redis.command_timeout;
  o.pool_size = redis.pool_size;
  return o;
}

}  // namespace hookd::host
