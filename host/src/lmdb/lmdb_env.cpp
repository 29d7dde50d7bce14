#include "lmdb/lmdb_env.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <system_error>
#include <utility>

#include "kv_checks.hpp"

namespace hookd::host::detail {

namespace {
// Stores written before records moved to the main database kept them in this
// named database. Every new read transaction must look a named database up
// again (about 90 ns here), so open() moves them once.
constexpr const char* kLegacyDbName = "kv";

KvResult<void> move_legacy_records(LmdbEnv& env, MDB_txn* txn, MDB_dbi main) {
  MDB_dbi legacy = 0;
  int rc = mdb_dbi_open(txn, kLegacyDbName, 0, &legacy);
  if (rc == MDB_NOTFOUND) return {};
  if (rc != 0) return std::unexpected(env.error(rc, "open legacy database"));
  MDB_cursor* cursor = nullptr;
  if (rc = mdb_cursor_open(txn, legacy, &cursor); rc != 0)
    return std::unexpected(env.error(rc, "open cursor"));
  MDB_val k{}, v{};
  for (rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST); rc == 0;
       rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
    if (int put = mdb_put(txn, main, &k, &v, 0); put != 0) {
      mdb_cursor_close(cursor);
      return std::unexpected(env.error(put, "move legacy record"));
    }
  }
  mdb_cursor_close(cursor);
  if (rc != MDB_NOTFOUND) return std::unexpected(env.error(rc, "read legacy database"));
  // Deletes the database and its name; all in the caller's transaction.
  if (rc = mdb_drop(txn, legacy, 1); rc != 0) return std::unexpected(env.error(rc, "drop legacy database"));
  return {};
}
}  // namespace

KvResult<std::unique_ptr<LmdbEnv>> LmdbEnv::open(const LmdbKvOptions& options) {
  std::error_code ec;
  std::filesystem::create_directories(options.dir, ec);
  if (ec) {
    return std::unexpected(
        kv_error(KvError::Code::kUnavailable,
                 fmt::format("KV store: cannot create {}: {}", options.dir.string(), ec.message())));
  }
  std::unique_ptr<LmdbEnv> env(new LmdbEnv());
  auto fail = [&](int rc, std::string_view what) {
    return std::unexpected(
        kv_error(KvError::Code::kUnavailable,
                 fmt::format("KV store: {} {}: {}", what, options.dir.string(), mdb_strerror(rc))));
  };
  // LMDB would let several processes share the files, but the read cache
  // (lmdb_read_cache.hpp) relies on seeing every write, so one process owns
  // the store; a second one gets a clear error instead of stale reads.
  const std::filesystem::path lock_path = options.dir / "hookd.lock";
  env->lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (env->lock_fd_ < 0) return fail(errno, "open lock file in");
  if (::flock(env->lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    return std::unexpected(kv_error(KvError::Code::kUnavailable,
                                    fmt::format("KV store: {} is in use by another process (it holds {})",
                                                options.dir.string(), lock_path.string())));
  }
  if (int rc = mdb_env_create(&env->env_); rc != 0) return fail(rc, "create env");
  if (int rc = mdb_env_set_mapsize(env->env_, options.map_size_bytes); rc != 0)
    return fail(rc, "set map size");
  if (int rc = mdb_env_set_maxreaders(env->env_, options.max_readers); rc != 0)
    return fail(rc, "set readers");
  if (int rc = mdb_env_set_maxdbs(env->env_, 1); rc != 0) return fail(rc, "set max dbs");
  // Default sync flags on purpose: a commit returns only after fsync.
  if (int rc = mdb_env_open(env->env_, options.dir.c_str(), MDB_NOTLS, 0600); rc != 0) {
    return fail(rc, "open");
  }
  int dead = 0;
  mdb_reader_check(env->env_, &dead);  // frees reader slots of crashed processes
  // Records live in the main (unnamed) database. Their keys always contain a
  // NUL (namespace, NUL, key), so none can be mistaken for a database name.
  auto opened = env->write([&](MDB_txn* txn) -> KvResult<void> {
    if (int rc = mdb_dbi_open(txn, nullptr, 0, &env->dbi_); rc != 0) {
      return std::unexpected(env->error(rc, "open database"));
    }
    return move_legacy_records(*env, txn, env->dbi_);
  });
  if (!opened) return std::unexpected(opened.error());
  return env;
}

// A small process-wide index per thread, assigned on its first read.
std::size_t LmdbEnv::thread_slot() {
  static std::atomic<std::size_t> next{0};
  thread_local const std::size_t index = next.fetch_add(1, std::memory_order_relaxed);
  return index;
}

LmdbEnv::~LmdbEnv() {
  // No read is running any more (the store is being destroyed), so every
  // slot can be read from here.
  for (std::size_t i = 0; i < kThreadSlots; ++i) {
    if (thread_readers_[i].txn != nullptr) mdb_txn_abort(thread_readers_[i].txn);
  }
  for (MDB_txn* txn : idle_readers_) mdb_txn_abort(txn);
  if (env_) mdb_env_close(env_);         // also closes dbi_
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

std::size_t LmdbEnv::max_key_size() const { return static_cast<std::size_t>(mdb_env_get_maxkeysize(env_)); }

KvError LmdbEnv::error(int rc, std::string_view what) const {
  if (rc == MDB_MAP_FULL) {
    MDB_envinfo info{};
    mdb_env_info(env_, &info);
    return kv_error(
        KvError::Code::kFull,
        fmt::format("KV store full: map size {} MiB reached; raise kv.map_size_mb", info.me_mapsize >> 20));
  }
  if (rc == MDB_READERS_FULL) {
    return kv_error(KvError::Code::kUnavailable, "KV store: too many concurrent readers; raise max_readers");
  }
  return kv_error(KvError::Code::kInternal, fmt::format("KV store: {}: {}", what, mdb_strerror(rc)));
}

KvResult<MDB_txn*> LmdbEnv::acquire_reader() {
  MDB_txn* txn = nullptr;
  if (const std::size_t i = thread_slot(); i < kThreadSlots) std::swap(txn, thread_readers_[i].txn);
  if (txn == nullptr) {
    std::lock_guard lock(readers_mu_);
    if (!idle_readers_.empty()) {
      txn = idle_readers_.back();
      idle_readers_.pop_back();
    }
  }
  if (txn) {
    if (int rc = mdb_txn_renew(txn); rc != 0) {
      mdb_txn_abort(txn);
      return std::unexpected(error(rc, "renew read"));
    }
    return txn;
  }
  if (int rc = mdb_txn_begin(env_, nullptr, MDB_RDONLY, &txn); rc != 0) {
    return std::unexpected(error(rc, "begin read"));
  }
  return txn;
}

void LmdbEnv::release_reader(MDB_txn* txn) {
  mdb_txn_reset(txn);
  if (const std::size_t i = thread_slot(); i < kThreadSlots && thread_readers_[i].txn == nullptr) {
    thread_readers_[i].txn = txn;
    return;
  }
  std::lock_guard lock(readers_mu_);
  idle_readers_.push_back(txn);
}

}  // namespace hookd::host::detail
