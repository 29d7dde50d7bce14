#include "hookd/host/redis_pool.hpp"

#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>

#include <cerrno>

#include "kv_checks.hpp"

namespace hookd::host::detail {

namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
  return timeval{static_cast<time_t>(ms.count() / 1000),
                 static_cast<suseconds_t>((ms.count() % 1000) * 1000)};
}

// hiredis reports socket timeouts as I/O errors carrying EAGAIN (read/write
// timeouts) or ETIMEDOUT (connect timeout).
KvError transport_error(const redisContext* c, int saved_errno, std::string_view what) {
  const std::string_view text = c->errstr;
  const bool timed_out =
      c->err == REDIS_ERR_IO &&
      (saved_errno == EAGAIN || saved_errno == EWOULDBLOCK || saved_errno == ETIMEDOUT ||
       text.find("temporarily unavailable") != text.npos || text.find("timed out") != text.npos);
  return kv_error(timed_out ? KvError::Code::kTimeout : KvError::Code::kUnavailable,
                  fmt::format("Redis {}: {}", what, text.empty() ? "connection lost" : text));
}

// hiredis writes with write(2), so a write to a connection Redis has closed
// raises SIGPIPE, which would kill the process. Block it on this thread for
// the duration of a call and swallow any SIGPIPE the call caused (the libpq
// approach), instead of changing the process-wide disposition from a library.
class SigpipeGuard {
 public:
  SigpipeGuard() {
    sigset_t pipe_only;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_only, &old_mask_);
  }
  ~SigpipeGuard() {
    sigset_t pending;
    sigpending(&pending);
    if (!was_pending_ && sigismember(&pending, SIGPIPE) == 1) {
      sigset_t pipe_only;
      sigemptyset(&pipe_only);
      sigaddset(&pipe_only, SIGPIPE);
      const timespec zero{0, 0};
      sigtimedwait(&pipe_only, nullptr, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
  }
  SigpipeGuard(const SigpipeGuard&) = delete;
  SigpipeGuard& operator=(const SigpipeGuard&) = delete;

 private:
  sigset_t old_mask_{};
  bool was_pending_ = false;
};

}  // namespace

RedisPool::RedisPool(const RedisKvOptions& options) : options_(options) {}

RedisPool::~RedisPool() = default;

KvResult<Context> RedisPool::connect() const {
  errno = 0;
  Context ctx(
      redisConnectWithTimeout(options_.host.c_str(), options_.port, to_timeval(options_.connect_timeout)));
  if (!ctx) return std::unexpected(kv_error(KvError::Code::kUnavailable, "Redis connect: out of memory"));
  if (ctx->err) return std::unexpected(transport_error(ctx.get(), errno, "connect"));
  if (redisSetTimeout(ctx.get(), to_timeval(options_.command_timeout)) != REDIS_OK) {
    return std::unexpected(kv_error(KvError::Code::kUnavailable, "Redis: cannot set socket timeout"));
  }
  // AUTH and SELECT are pipelined so a hung server costs one command timeout.
  std::vector<std::string> setup;
  if (!options_.password.empty()) {
    redisAppendCommand(ctx.get(), "AUTH %b", options_.password.data(), options_.password.size());
    setup.push_back("AUTH");
  }
  if (options_.database != 0) {
    redisAppendCommand(ctx.get(), "SELECT %d", options_.database);
    setup.push_back("SELECT");
  }
  for (const auto& what : setup) {
    void* raw = nullptr;
    errno = 0;
    if (redisGetReply(ctx.get(), &raw) != REDIS_OK) {
      return std::unexpected(transport_error(ctx.get(), errno, what));
    }
    Reply reply(static_cast<redisReply*>(raw));
    if (reply->type == REDIS_REPLY_ERROR) {
      return std::unexpected(
          kv_error(KvError::Code::kUnavailable,
                   fmt::format("Redis {} failed: {}", what, std::string_view(reply->str, reply->len))));
    }
  }
  return ctx;
}

KvResult<RedisPool::Lease> RedisPool::acquire() {
  std::unique_lock lock(mu_);
  const bool available = freed_.wait_for(lock, options_.command_timeout,
                                         [&] { return !idle_.empty() || open_ < options_.pool_size; });
  if (!available) {
    return std::unexpected(kv_error(
        KvError::Code::kTimeout, fmt::format("Redis: all {} pooled connections busy", options_.pool_size)));
  }
  if (!idle_.empty()) {
    Lease lease{std::move(idle_.back()), true};
    idle_.pop_back();
    return lease;
  }
  ++open_;  // reserve the slot, then connect without holding the lock
  lock.unlock();
  auto ctx = connect();
  if (!ctx) {
    release(Lease{}, false);
    return std::unexpected(ctx.error());
  }
  return Lease{std::move(*ctx), false};
}

void RedisPool::release(Lease lease, bool healthy) {
  Context dropped;
  {
    std::lock_guard lock(mu_);
    if (healthy && lease.ctx) {
      idle_.push_back(std::move(lease.ctx));
    } else {
      dropped = std::move(lease.ctx);  // freed after unlocking
      --open_;
    }
  }
  freed_.notify_one();
}

KvResult<Reply> RedisPool::command(std::span<const std::string_view> args, Retry retry) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  for (auto a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  SigpipeGuard no_sigpipe;
  auto lease = acquire();
  if (!lease) return std::unexpected(lease.error());
  for (int attempt = 0;; ++attempt) {
    errno = 0;
    void* raw = redisCommandArgv(lease->ctx.get(), static_cast<int>(argv.size()), argv.data(), lens.data());
    if (raw) {
      release(std::move(*lease), true);
      return Reply(static_cast<redisReply*>(raw));
    }
    KvError error = transport_error(lease->ctx.get(), errno, "command");
    // A pooled connection may have died while idle (Redis restarted). Safe
    // commands get one retry on a fresh connection; timeouts never retry.
    const bool again = retry == Retry::kIfIdempotent && attempt == 0 && lease->reused &&
                       error.code == KvError::Code::kUnavailable;
    if (!again) {
      release(std::move(*lease), false);
      return std::unexpected(std::move(error));
    }
    auto fresh = connect();
    if (!fresh) {
      release(Lease{}, false);
      return std::unexpected(fresh.error());
    }
    lease->ctx = std::move(*fresh);
    lease->reused = false;
  }
}

}  // namespace hookd::host::detail
