// KvStore on Redis (hiredis, synchronous) for when hookd is scaled out.
//
// Keys are `hookd:<ns>:<key>` (redis_keys.hpp: a layout the cluster catalog's
// keys can never meet, whatever the namespace). get_many is one
// MGET (atomic, one round trip; with a byte bound, inside a script that adds
// up the values' sizes first). Every write (set, del, incr, cas) is a Lua
// script, atomic on the server, that also keeps the namespace's usage for
// its quotas in `hookd:<ns>\0sizes` (a hash: each key's charge) and
// `hookd:<ns>\0bytes` (their sum). Keys written before quotas existed
// are charged from their next write on. list SCANs the
// namespace with MATCH on the escaped prefix and sorts client-side, so it is
// O(keys matching the prefix) per page, capped by max_list_scan_keys.
//
// Connections come from a bounded pool; each has a connect timeout and a
// command timeout (socket read/write timeouts). When Redis is down or hung a
// call fails with kUnavailable or kTimeout instead of blocking, the broken
// connection is dropped, and a later call connects again, so hookd recovers
// on its own when Redis returns. Host names are resolved with getaddrinfo,
// which these timeouts do not bound; configure an IP address where that matters.
//
// Durability: a write is acknowledged once Redis has it in memory. Whether it
// survives a Redis crash or failover depends on the server (AOF with
// `appendfsync always` is the closest to LMDB's guarantee; replication is
// asynchronous, so a failover can lose acknowledged writes).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "hookd/config/config.hpp"
#include "hookd/host/kv_store.hpp"

namespace hookd::host {

struct RedisKvOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 6379;
  std::string password;  // AUTH when not empty
  int database = 0;      // SELECT when not 0
  std::chrono::milliseconds connect_timeout{500};
  std::chrono::milliseconds command_timeout{500};  // also the longest wait for a free pooled connection
  std::size_t pool_size = 8;
  std::size_t max_list_scan_keys = 100'000;  // list() fails with kTooLarge beyond this
  KvLimits limits;

  /// Upper bound on one call's duration: waiting for a pooled connection, a
  /// failed command on it, reconnecting (connect, AUTH/SELECT) and retrying.
  std::chrono::milliseconds max_call_time() const { return connect_timeout + 4 * command_timeout; }
};

/// The connection settings of [kv.redis] (address, password, database,
/// timeouts, pool size), as the KV store and the cluster catalog both use
/// them; limits and scan bounds keep their defaults.
RedisKvOptions redis_options(const config::RedisConfig& redis);

namespace detail {
class RedisPool;
}

class RedisKvStore final : public KvStore {
 public:
  /// Does not connect; the first call does (so hookd starts while Redis is down).
  explicit RedisKvStore(RedisKvOptions options);
  ~RedisKvStore() override;

  KvResult<std::optional<std::string>> get(std::string_view ns, std::string_view key) override;
  KvResult<void> get_many(std::string_view ns, std::span<const std::string_view> keys, const ReadEach& each,
                          std::uint64_t max_bytes = 0) override;
  KvResult<void> set(std::string_view ns, std::string_view key, std::string_view value,
                     std::optional<std::chrono::milliseconds> ttl = {}) override;
  KvResult<bool> del(std::string_view ns, std::string_view key) override;
  KvResult<Page> list(std::string_view ns, std::string_view prefix, std::string_view cursor,
                      std::size_t limit) override;
  KvResult<std::int64_t> incr(std::string_view ns, std::string_view key, std::int64_t delta) override;
  KvResult<bool> cas(std::string_view ns, std::string_view key, std::optional<std::string_view> expected,
                     std::optional<std::string_view> desired) override;

 private:
  std::string redis_key(std::string_view ns, std::string_view key) const;

  const RedisKvOptions options_;
  std::unique_ptr<detail::RedisPool> pool_;
};

/// Escapes Redis glob metacharacters (* ? [ ] \) so `text` matches literally.
std::string redis_glob_escape(std::string_view text);

}  // namespace hookd::host
