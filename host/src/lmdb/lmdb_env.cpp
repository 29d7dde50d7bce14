#include "lmdb/lmdb_env.hpp"

#include <fmt/format.h>

#include <system_error>

#include "kv_checks.hpp"

namespace hookd::host::detail {

namespace {
constexpr const char* kDbName = "kv";
}

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
  auto opened = env->write([&](MDB_txn* txn) -> KvResult<void> {
    if (int rc = mdb_dbi_open(txn, kDbName, MDB_CREATE, &env->dbi_); rc != 0) {
      return std::unexpected(env->error(rc, "open database"));
    }
    return {};
  });
  if (!opened) return std::unexpected(opened.error());
  return env;
}

LmdbEnv::~LmdbEnv() {
  for (MDB_txn* txn : idle_readers_) mdb_txn_abort(txn);
  if (env_) mdb_env_close(env_);  // also closes dbi_
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
  {
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
  std::lock_guard lock(readers_mu_);
  idle_readers_.push_back(txn);
}

}  // namespace hookd::host::detail
