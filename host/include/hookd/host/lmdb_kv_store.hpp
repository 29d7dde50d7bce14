// Embedded KvStore on LMDB: one environment in a directory, its main
// database, every acknowledged write committed durably (LMDB's default sync
// flags; no MDB_NOSYNC/MDB_NOMETASYNC). Reads reuse reset read transactions,
// so a warm get costs a B-tree lookup and a copy; each reading thread also
// keeps a small cache of recent reads, invalidated by every write
// (src/lmdb/lmdb_read_cache.hpp), so one process owns the store at a time.
//
// Expired keys are skipped by every operation but stay on disk until they are
// overwritten or deleted, or until a write would exceed its namespace's
// quota: that write sweeps the namespace's expired keys first
// (src/lmdb/lmdb_usage.hpp keeps each namespace's usage).
#pragma once

#include <atomic>
#include <cstddef>
#include <filesystem>
#include <memory>

#include "hookd/host/kv_store.hpp"
#include "hookd/util/clock.hpp"

namespace hookd::host {

struct LmdbKvOptions {
  std::filesystem::path dir;                            // created if missing
  std::size_t map_size_bytes = std::size_t{1} << 30;    // kv.map_size_mb; writes fail with kFull past it
  unsigned max_readers = 126;                           // concurrent read transactions (one per busy thread)
  std::size_t read_cache_bytes = std::size_t{1} << 20;  // kv.read_cache_kb: per reading thread; 0 = off
  KvLimits limits;
  std::shared_ptr<const util::Clock> clock = util::system_clock();
};

namespace detail {
class LmdbEnv;
class ReadCache;
class RecordCodec;
}  // namespace detail

class LmdbKvStore final : public KvStore {
 public:
  /// Opens (or creates) the store. Only one LmdbKvStore per directory may be
  /// open at a time, in one process (a lock file in the directory says so).
  static KvResult<std::unique_ptr<LmdbKvStore>> open(LmdbKvOptions options);
  ~LmdbKvStore() override;

  KvResult<std::optional<std::string>> get(std::string_view ns, std::string_view key) override;
  KvResult<bool> get_to(std::string_view ns, std::string_view key, std::vector<std::uint8_t>& out) override;
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
  struct alignas(64) CacheSlot {  // one per thread slot, used by that thread only
    std::unique_ptr<detail::ReadCache> cache;
  };

  LmdbKvStore(std::unique_ptr<detail::LmdbEnv> env, const LmdbKvOptions& options);
  std::uint64_t now_ms() const;
  // Looks one key up; use(value bytes) runs while the bytes are valid.
  template <class Use>
  KvResult<bool> read_one(std::string_view ns, std::string_view key, const Use& use);
  // This thread's read cache, or null (cache off, or a thread past the slots).
  detail::ReadCache* thread_cache();
  // A write transaction; bumps the generation after it, so cached reads from
  // before it are not used again.
  template <class F>
  auto write(F&& body);

  std::unique_ptr<detail::LmdbEnv> env_;
  std::unique_ptr<const detail::RecordCodec> codec_;
  const KvLimits limits_;
  const std::shared_ptr<const util::Clock> clock_;  // TTLs are wall time
  const std::size_t read_cache_bytes_;
  std::atomic<std::uint64_t> generation_{1};  // writes committed (and then some)
  std::unique_ptr<CacheSlot[]> caches_;
};

}  // namespace hookd::host
