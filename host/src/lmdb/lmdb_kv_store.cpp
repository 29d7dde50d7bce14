#include "hookd/host/lmdb_kv_store.hpp"

#include <algorithm>

#include "kv_checks.hpp"
#include "lmdb/lmdb_env.hpp"
#include "lmdb/lmdb_read_cache.hpp"
#include "lmdb/lmdb_record.hpp"
#include "lmdb/lmdb_usage.hpp"

namespace hookd::host {

using detail::as_val;
using detail::as_view;
using detail::check_key;
using detail::RecordCodec;

namespace {

// A record found under a stored key, or nothing (absent or expired).
struct Found {
  std::string_view bytes;
  std::uint64_t expiry_ms;
};

// Looks `key` up in `txn`. Views point into the LMDB map and stay valid
// until the transaction ends or writes. `now()` (ms) is asked only for records
// that have a TTL.
template <class Now>
KvResult<std::optional<Found>> find(detail::LmdbEnv& env, const RecordCodec& codec, MDB_txn* txn,
                                    const detail::RecordKey& key, const Now& now) {
  const std::string_view composite = key.composite();
  MDB_val k = as_val(key.stored());
  MDB_val v{};
  int rc = mdb_get(txn, env.dbi(), &k, &v);
  if (rc == MDB_NOTFOUND) return std::optional<Found>{};
  if (rc != 0) return std::unexpected(env.error(rc, "get"));
  auto record = RecordCodec::decode(as_view(v));
  if (!record) return std::unexpected(detail::kv_error(KvError::Code::kInternal, "KV store: corrupt record"));
  if (codec.is_hashed(composite) && record->hashed_composite != composite) {
    return std::unexpected(detail::kv_error(KvError::Code::kInternal, "KV store: key hash collision"));
  }
  if (record->expiry_ms != 0 && !RecordCodec::live(*record, now())) return std::optional<Found>{};
  return std::optional<Found>{Found{record->bytes, record->expiry_ms}};
}

KvResult<void> put(detail::LmdbEnv& env, MDB_txn* txn, std::string_view stored, const std::string& value) {
  MDB_val k = as_val(stored);
  MDB_val v = as_val(value);
  if (int rc = mdb_put(txn, env.dbi(), &k, &v, 0); rc != 0) return std::unexpected(env.error(rc, "put"));
  return {};
}

KvResult<void> erase(detail::LmdbEnv& env, MDB_txn* txn, std::string_view stored) {
  MDB_val k = as_val(stored);
  int rc = mdb_del(txn, env.dbi(), &k, nullptr);
  if (rc != 0 && rc != MDB_NOTFOUND) return std::unexpected(env.error(rc, "del"));
  return {};
}

// A cached read: the value, or nothing when the key was absent or its TTL
// has passed since.
template <class Now>
std::optional<std::string_view> cached_value(const detail::ReadCache::Entry& e, const Now& now) {
  if (!e.found || (e.expiry_ms != 0 && e.expiry_ms <= now())) return std::nullopt;
  return std::string_view(e.value);
}

// Reads one key in `txn` and remembers the result in `cache` (if any).
template <class Now>
KvResult<std::optional<Found>> read_through(detail::LmdbEnv& env, const RecordCodec& codec, MDB_txn* txn,
                                            const detail::RecordKey& k, const Now& now,
                                            detail::ReadCache* cache, std::uint64_t generation) {
  auto found = find(env, codec, txn, k, now);
  if (found && cache != nullptr) {
    if (*found) {
      cache->put(k.composite(), generation, true, (*found)->expiry_ms, (*found)->bytes);
    } else {
      cache->put(k.composite(), generation, false, 0, {});
    }
  }
  return found;
}

}  // namespace

KvResult<std::unique_ptr<LmdbKvStore>> LmdbKvStore::open(LmdbKvOptions options) {
  auto env = detail::LmdbEnv::open(options);
  if (!env) return std::unexpected(env.error());
  return std::unique_ptr<LmdbKvStore>(new LmdbKvStore(std::move(*env), options));
}

LmdbKvStore::LmdbKvStore(std::unique_ptr<detail::LmdbEnv> env, const LmdbKvOptions& options)
    : env_(std::move(env)),
      codec_(std::make_unique<RecordCodec>(env_->max_key_size())),
      limits_(options.limits),
      clock_(options.clock),
      read_cache_bytes_(options.read_cache_bytes),
      caches_(new CacheSlot[detail::LmdbEnv::kThreadSlots]) {}

LmdbKvStore::~LmdbKvStore() = default;

std::uint64_t LmdbKvStore::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_->now().time_since_epoch()).count();
}

detail::ReadCache* LmdbKvStore::thread_cache() {
  if (read_cache_bytes_ == 0) return nullptr;
  const std::size_t slot = detail::LmdbEnv::thread_slot();
  if (slot >= detail::LmdbEnv::kThreadSlots) return nullptr;
  auto& cache = caches_[slot].cache;
  if (!cache) cache = std::make_unique<detail::ReadCache>(read_cache_bytes_);
  return cache.get();
}

template <class F>
auto LmdbKvStore::write(F&& body) {
  auto result = env_->write(std::forward<F>(body));
  // After the commit and before the caller acknowledges it (release: a
  // reader that sees the new generation also sees the commit).
  generation_.fetch_add(1, std::memory_order_release);
  return result;
}

template <class Use>
KvResult<bool> LmdbKvStore::read_one(std::string_view ns, std::string_view key, const Use& use) {
  if (auto ok = check_key(limits_, ns, key); !ok) return std::unexpected(ok.error());
  const detail::RecordKey k(*codec_, ns, key);
  const auto now = [this] { return now_ms(); };
  detail::ReadCache* cache = thread_cache();
  // Loaded before any read transaction starts (see lmdb_read_cache.hpp).
  const std::uint64_t generation = cache ? generation_.load(std::memory_order_acquire) : 0;
  if (cache != nullptr) {
    if (const auto* e = cache->find(k.composite(), generation)) {
      auto value = cached_value(*e, now);
      if (value) use(*value);
      return value.has_value();
    }
  }
  return env_->read([&](MDB_txn* txn) -> KvResult<bool> {
    auto found = read_through(*env_, *codec_, txn, k, now, cache, generation);
    if (!found) return std::unexpected(found.error());
    if (!*found) return false;
    use((*found)->bytes);
    return true;
  });
}

KvResult<std::optional<std::string>> LmdbKvStore::get(std::string_view ns, std::string_view key) {
  std::optional<std::string> value;
  auto found = read_one(ns, key, [&](std::string_view bytes) { value.emplace(bytes); });
  if (!found) return std::unexpected(found.error());
  return value;
}

KvResult<bool> LmdbKvStore::get_to(std::string_view ns, std::string_view key,
                                   std::vector<std::uint8_t>& out) {
  return read_one(ns, key,
                  [&](std::string_view bytes) { out.insert(out.end(), bytes.begin(), bytes.end()); });
}

KvResult<void> LmdbKvStore::get_many(std::string_view ns, std::span<const std::string_view> keys,
                                     const ReadEach& each, std::uint64_t max_bytes) {
  if (auto ok = detail::check_namespace(ns); !ok) return ok;
  for (std::string_view key : keys) {
    if (auto ok = detail::check_key_bytes(limits_, key); !ok) return ok;
  }
  const auto now = [this] { return now_ms(); };
  detail::ReadCache* cache = thread_cache();
  const std::uint64_t generation = cache ? generation_.load(std::memory_order_acquire) : 0;
  // All keys cached at this generation: answer from the cache. Any miss: read
  // every key from one LMDB snapshot (and remember them), so a batch is never
  // a mix of the two.
  if (cache != nullptr) {
    thread_local std::vector<const detail::ReadCache::Entry*> hits;
    hits.clear();
    for (std::string_view key : keys) {
      const auto* e = cache->find(detail::RecordKey(*codec_, ns, key).composite(), generation);
      if (e == nullptr) break;
      hits.push_back(e);
    }
    if (hits.size() == keys.size()) {
      std::uint64_t total = 0;
      for (std::size_t i = 0; i < keys.size(); ++i) {
        auto value = cached_value(*hits[i], now);
        if (value && max_bytes != 0 && (total += value->size()) > max_bytes) {
          return std::unexpected(detail::batch_too_large(max_bytes));
        }
        each(i, value ? &*value : nullptr);
      }
      return {};
    }
  }
  return env_->read([&](MDB_txn* txn) -> KvResult<void> {
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < keys.size(); ++i) {
      const detail::RecordKey k(*codec_, ns, keys[i]);
      auto found = read_through(*env_, *codec_, txn, k, now, cache, generation);
      if (!found) return std::unexpected(found.error());
      if (*found && max_bytes != 0 && (total += (*found)->bytes.size()) > max_bytes) {
        return std::unexpected(detail::batch_too_large(max_bytes));
      }
      each(i, *found ? &(*found)->bytes : nullptr);
    }
    return {};
  });
}

KvResult<void> LmdbKvStore::set(std::string_view ns, std::string_view key, std::string_view value,
                                std::optional<std::chrono::milliseconds> ttl) {
  if (auto ok = check_key(limits_, ns, key); !ok) return ok;
  if (auto ok = detail::check_value(limits_, value); !ok) return ok;
  if (auto ok = detail::check_ttl(ttl); !ok) return ok;
  const detail::RecordKey k(*codec_, ns, key);
  const std::uint64_t now = now_ms();
  const std::uint64_t expiry = ttl ? now + static_cast<std::uint64_t>(ttl->count()) : 0;
  const std::string record = codec_->encode(expiry, k.composite(), value);
  KvError quota{KvError::Code::kQuota, {}};
  auto done = write([&](MDB_txn* txn) -> KvResult<bool> {
    auto fits = detail::account_write(*env_, *codec_, txn, limits_, ns, k, key, detail::kv_charge(key, value),
                                      now, quota);
    if (!fits || !*fits) return fits;
    if (auto ok = put(*env_, txn, k.stored(), record); !ok) return std::unexpected(ok.error());
    return true;
  });
  if (!done) return std::unexpected(done.error());
  if (!*done) return std::unexpected(std::move(quota));
  return {};
}

KvResult<bool> LmdbKvStore::del(std::string_view ns, std::string_view key) {
  if (auto ok = check_key(limits_, ns, key); !ok) return std::unexpected(ok.error());
  const detail::RecordKey k(*codec_, ns, key);
  const auto now = [this] { return now_ms(); };
  KvError quota{KvError::Code::kQuota, {}};
  return write([&](MDB_txn* txn) -> KvResult<bool> {
    auto found = find(*env_, *codec_, txn, k, now);
    if (!found) return std::unexpected(found.error());
    // An expired record is still on disk, and still charged: both go.
    auto accounted =
        detail::account_write(*env_, *codec_, txn, limits_, ns, k, key, std::nullopt, now_ms(), quota);
    if (!accounted) return std::unexpected(accounted.error());
    if (auto ok = erase(*env_, txn, k.stored()); !ok) return std::unexpected(ok.error());
    return found->has_value();
  });
}

KvResult<std::int64_t> LmdbKvStore::incr(std::string_view ns, std::string_view key, std::int64_t delta) {
  if (auto ok = check_key(limits_, ns, key); !ok) return std::unexpected(ok.error());
  const detail::RecordKey k(*codec_, ns, key);
  const auto now = [this] { return now_ms(); };
  KvError quota{KvError::Code::kQuota, {}};
  bool over = false;
  auto done = write([&](MDB_txn* txn) -> KvResult<std::int64_t> {
    auto found = find(*env_, *codec_, txn, k, now);
    if (!found) return std::unexpected(found.error());
    std::optional<std::string_view> current;
    std::uint64_t expiry = 0;  // an existing TTL is kept, as Redis INCRBY does
    if (*found) {
      current = (*found)->bytes;
      expiry = (*found)->expiry_ms;
    }
    auto sum = detail::add_to_counter(current, delta);
    if (!sum) return sum;
    const std::string text = std::to_string(*sum);
    auto fits = detail::account_write(*env_, *codec_, txn, limits_, ns, k, key, detail::kv_charge(key, text),
                                      now_ms(), quota);
    if (!fits) return std::unexpected(fits.error());
    if (!*fits) {
      over = true;
      return sum;
    }
    if (auto ok = put(*env_, txn, k.stored(), codec_->encode(expiry, k.composite(), text)); !ok) {
      return std::unexpected(ok.error());
    }
    return sum;
  });
  if (over) return std::unexpected(std::move(quota));
  return done;
}

KvResult<bool> LmdbKvStore::cas(std::string_view ns, std::string_view key,
                                std::optional<std::string_view> expected,
                                std::optional<std::string_view> desired) {
  if (auto ok = check_key(limits_, ns, key); !ok) return std::unexpected(ok.error());
  if (desired) {
    if (auto ok = detail::check_value(limits_, *desired); !ok) return std::unexpected(ok.error());
  }
  const detail::RecordKey k(*codec_, ns, key);
  const auto now = [this] { return now_ms(); };
  KvError quota{KvError::Code::kQuota, {}};
  bool over = false;
  auto swapped = write([&](MDB_txn* txn) -> KvResult<bool> {
    auto found = find(*env_, *codec_, txn, k, now);
    if (!found) return std::unexpected(found.error());
    const bool matches = expected ? (*found && (*found)->bytes == *expected) : !*found;
    if (!matches) return false;
    std::optional<std::uint64_t> charge;
    if (desired) charge = detail::kv_charge(key, *desired);
    auto fits = detail::account_write(*env_, *codec_, txn, limits_, ns, k, key, charge, now_ms(), quota);
    if (!fits) return std::unexpected(fits.error());
    if (!*fits) {
      over = true;
      return false;
    }
    auto done = desired ? put(*env_, txn, k.stored(), codec_->encode(0, k.composite(), *desired))
                        : erase(*env_, txn, k.stored());
    if (!done) return std::unexpected(done.error());
    return true;
  });
  if (over) return std::unexpected(std::move(quota));
  return swapped;
}

}  // namespace hookd::host
