// A bounded pool of hiredis connections with timeouts, and the one place that
// sends a command and turns hiredis failures into KvErrors. Used by the Redis
// KV store and by cluster mode (server/src/cluster/), which keeps the plugin
// catalog in the same Redis.
#pragma once

#include <hiredis/hiredis.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <span>
#include <string_view>
#include <vector>

#include "hookd/host/redis_kv_store.hpp"

namespace hookd::host::detail {

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

struct ContextDeleter {
  void operator()(redisContext* c) const { redisFree(c); }
};
using Context = std::unique_ptr<redisContext, ContextDeleter>;

/// Whether a command may be sent again on a fresh connection after the old
/// one failed mid-call (only for commands where doing it twice is harmless).
enum class Retry { kNo, kIfIdempotent };

class RedisPool {
 public:
  explicit RedisPool(const RedisKvOptions& options);
  ~RedisPool();

  /// Sends one command. Error replies are returned as replies (the connection
  /// is fine); transport failures and timeouts are KvErrors.
  KvResult<Reply> command(std::span<const std::string_view> args, Retry retry);
  [[nodiscard]] const RedisKvOptions& options() const { return options_; }

 private:
  struct Lease {
    Context ctx;
    bool reused = false;
  };
  KvResult<Lease> acquire();
  void release(Lease lease, bool healthy);
  KvResult<Context> connect() const;

  const RedisKvOptions& options_;
  std::mutex mu_;
  std::condition_variable freed_;
  std::vector<Context> idle_;
  std::size_t open_ = 0;  // idle + leased + connecting
};

}  // namespace hookd::host::detail
