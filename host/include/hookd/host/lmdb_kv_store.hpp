// Embedded KvStore on LMDB: one environment in a directory, one named
// database, every acknowledged write committed durably (LMDB's default sync
// flags; no MDB_NOSYNC/MDB_NOMETASYNC). Reads reuse reset read transactions,
// so a warm get costs a B-tree lookup and a copy.
//
// Expired keys are skipped by every operation but stay on disk until they are
// overwritten or deleted; nothing sweeps them yet.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>

#include "hookd/host/kv_store.hpp"

namespace hookd::host {

struct LmdbKvOptions {
  std::filesystem::path dir;                          // created if missing
  std::size_t map_size_bytes = std::size_t{1} << 30;  // kv.map_size_mb; writes fail with kFull past it
  unsigned max_readers = 126;                         // concurrent read transactions (one per busy thread)
  KvLimits limits;
  KvClock clock = system_kv_clock();
};

namespace detail {
class LmdbEnv;
class RecordCodec;
}  // namespace detail

class LmdbKvStore final : public KvStore {
 public:
  /// Opens (or creates) the store. Only one LmdbKvStore per directory may be
  /// open in a process at a time (an LMDB rule).
  static KvResult<std::unique_ptr<LmdbKvStore>> open(LmdbKvOptions options);
  ~LmdbKvStore() override;

  KvResult<std::optional<std::string>> get(std::string_view ns, std::string_view key) override;
  KvResult<bool> get_to(std::string_view ns, std::string_view key, std::vector<std::uint8_t>& out) override;
  KvResult<void> get_many(std::string_view ns, std::span<const std::string_view> keys, const ReadEach& each) override;
  KvResult<void> set(std::string_view ns, std::string_view key, std::string_view value,
                     std::optional<std::chrono::milliseconds> ttl = {}) override;
  KvResult<bool> del(std::string_view ns, std::string_view key) override;
  KvResult<Page> list(std::string_view ns, std::string_view prefix, std::string_view cursor,
                      std::size_t limit) override;
  KvResult<std::int64_t> incr(std::string_view ns, std::string_view key, std::int64_t delta) override;
  KvResult<bool> cas(std::string_view ns, std::string_view key, std::optional<std::string_view> expected,
                     std::optional<std::string_view> desired) override;

 private:
  LmdbKvStore(std::unique_ptr<detail::LmdbEnv> env, KvLimits limits, KvClock clock);
  std::uint64_t now_ms() const;
  // Looks one key up; use(value bytes) runs inside the read transaction.
  template <class Use>
  KvResult<bool> read_one(std::string_view ns, std::string_view key, const Use& use);

  std::unique_ptr<detail::LmdbEnv> env_;
  std::unique_ptr<const detail::RecordCodec> codec_;
  const KvLimits limits_;
  const KvClock clock_;
};

}  // namespace hookd::host
