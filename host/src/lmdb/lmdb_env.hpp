// The LMDB environment behind LmdbKvStore: opening (and holding the store's
// lock file, so one process at a time writes it), error mapping, a write
// transaction helper and a pool of reset read transactions.
//
// Read transactions are reused through mdb_txn_reset/mdb_txn_renew (the env
// is opened with MDB_NOTLS, so any thread may renew any of them). Each of the
// first kThreadSlots threads of the process to read keeps one reset
// transaction in its own slot here (no lock; the slots belong to this object,
// so nothing thread_local outlives the store); other threads share a
// mutex-guarded free list.
#pragma once

#include <lmdb.h>

#include <memory>
#include <mutex>
#include <string_view>
#include <type_traits>
#include <vector>

#include "hookd/host/lmdb_kv_store.hpp"

namespace hookd::host::detail {

inline std::string_view as_view(const MDB_val& v) { return {static_cast<const char*>(v.mv_data), v.mv_size}; }
inline MDB_val as_val(std::string_view s) { return {s.size(), const_cast<char*>(s.data())}; }

class LmdbEnv {
 public:
  static KvResult<std::unique_ptr<LmdbEnv>> open(const LmdbKvOptions& options);
  ~LmdbEnv();
  LmdbEnv(const LmdbEnv&) = delete;
  LmdbEnv& operator=(const LmdbEnv&) = delete;

  MDB_dbi dbi() const { return dbi_; }
  std::size_t max_key_size() const;
  /// Maps an LMDB return code to a KvError; MDB_MAP_FULL becomes kFull.
  KvError error(int rc, std::string_view what) const;

  /// The calling thread's slot (0, 1, ... in the order threads first ask);
  /// slots below kThreadSlots get per-thread state, others share.
  static constexpr std::size_t kThreadSlots = 64;
  static std::size_t thread_slot();

  /// Runs body(MDB_txn*) in a read-only snapshot. body returns a KvResult.
  template <class F>
  std::invoke_result_t<F, MDB_txn*> read(F&& body) {
    auto txn = acquire_reader();
    if (!txn) return std::unexpected(txn.error());
    auto result = std::forward<F>(body)(*txn);
    release_reader(*txn);
    return result;
  }

  /// Runs body(MDB_txn*) in a write transaction, committed (durably) only if
  /// body succeeds. LMDB serialises writers.
  template <class F>
  std::invoke_result_t<F, MDB_txn*> write(F&& body) {
    MDB_txn* txn = nullptr;
    if (int rc = mdb_txn_begin(env_, nullptr, 0, &txn); rc != 0) {
      return std::unexpected(error(rc, "begin write"));
    }
    auto result = std::forward<F>(body)(txn);
    if (!result) {
      mdb_txn_abort(txn);
      return result;
    }
    if (int rc = mdb_txn_commit(txn); rc != 0) return std::unexpected(error(rc, "commit"));
    return result;
  }

 private:
  struct alignas(64) ThreadReader {  // one cache line each: no false sharing
    MDB_txn* txn = nullptr;
  };

  LmdbEnv() : thread_readers_(new ThreadReader[kThreadSlots]) {}
  KvResult<MDB_txn*> acquire_reader();
  void release_reader(MDB_txn* txn);

  MDB_env* env_ = nullptr;
  int lock_fd_ = -1;  // hookd.lock, held (flock) while open: one process per store
  MDB_dbi dbi_ = 0;
  std::unique_ptr<ThreadReader[]> thread_readers_;  // slot i: only the thread with index i
  std::mutex readers_mu_;
  std::vector<MDB_txn*> idle_readers_;
};

}  // namespace hookd::host::detail
