#include "hookd/host/lmdb_kv_store.hpp"

#include <algorithm>

#include "kv_checks.hpp"
#include "lmdb/lmdb_env.hpp"
#include "lmdb/lmdb_record.hpp"

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

}  // namespace

KvResult<std::unique_ptr<LmdbKvStore>> LmdbKvStore::open(LmdbKvOptions options) {
  auto env = detail::LmdbEnv::open(options);
  if (!env) return std::unexpected(env.error());
  return std::unique_ptr<LmdbKvStore>(
      new LmdbKvStore(std::move(*env), options.limits, std::move(options.clock)));
}

LmdbKvStore::LmdbKvStore(std::unique_ptr<detail::LmdbEnv> env, KvLimits limits, KvClock clock)
    : env_(std::move(env)),
      codec_(std::make_unique<RecordCodec>(env_->max_key_size())),
      limits_(limits),
      clock_(std::move(clock)) {}

LmdbKvStore::~LmdbKvStore() = default;

std::uint64_t LmdbKvStore::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_().time_since_epoch()).count();
}

template <class Use>
KvResult<bool> LmdbKvStore::read_one(std::string_view ns, std::string_view key, const Use& use) {
  if (auto ok = check_key(limits_, ns, key); !ok) return std::unexpected(ok.error());
  const detail::RecordKey k(*codec_, ns, key);
  const auto now = [this] { return now_ms(); };
  return env_->read([&](MDB_txn* txn) -> KvResult<bool> {
    auto found = find(*env_, *codec_, txn, k, now);
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

KvResult<bool> LmdbKvStore::get_to(std::string_view ns, std::string_view key, std::vector<std::uint8_t>& out) {
  return read_one(ns, key, [&](std::string_view bytes) { out.insert(out.end(), bytes.begin(), bytes.end()); });
}

KvResult<void> LmdbKvStore::get_many(std::string_view ns, std::span<const std::string_view> keys,
                                     const ReadEach& each) {
  if (auto ok = detail::check_namespace(ns); !ok) return ok;
  for (std::string_view key : keys) {
    if (auto ok = detail::check_key_bytes(limits_, key); !ok) return ok;
  }
  const auto now = [this] { return now_ms(); };
  return env_->read([&](MDB_txn* txn) -> KvResult<void> {
    for (std::size_t i = 0; i < keys.size(); ++i) {
      const detail::RecordKey k(*codec_, ns, keys[i]);
      auto found = find(*env_, *codec_, txn, k, now);
      if (!found) return std::unexpected(found.error());
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
  const std::uint64_t expiry = ttl ? now_ms() + static_cast<std::uint64_t>(ttl->count()) : 0;
  const std::string record = codec_->encode(expiry, k.composite(), value);
  return env_->write([&](MDB_txn* txn) { return put(*env_, txn, k.stored(), record); });
}

KvResult<bool> LmdbKvStore::del(std::string_view ns, std::string_view key) {
  if (auto ok = check_key(limits_, ns, key); !ok) return std::unexpected(ok.error());
  const detail::RecordKey k(*codec_, ns, key);
  const auto now = [this] { return now_ms(); };
  return env_->write([&](MDB_txn* txn) -> KvResult<bool> {
    auto found = find(*env_, *codec_, txn, k, now);
    if (!found) return std::unexpected(found.error());
    if (auto ok = erase(*env_, txn, k.stored()); !ok) return std::unexpected(ok.error());
    return found->has_value();
  });
}

KvResult<std::int64_t> LmdbKvStore::incr(std::string_view ns, std::string_view key, std::int64_t delta) {
  if (auto ok = check_key(limits_, ns, key); !ok) return std::unexpected(ok.error());
  const detail::RecordKey k(*codec_, ns, key);
  const auto now = [this] { return now_ms(); };
  return env_->write([&](MDB_txn* txn) -> KvResult<std::int64_t> {
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
    if (auto ok = put(*env_, txn, k.stored(), codec_->encode(expiry, k.composite(), std::to_string(*sum))); !ok) {
      return std::unexpected(ok.error());
    }
    return sum;
  });
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
  return env_->write([&](MDB_txn* txn) -> KvResult<bool> {
    auto found = find(*env_, *codec_, txn, k, now);
    if (!found) return std::unexpected(found.error());
    const bool matches = expected ? (*found && (*found)->bytes == *expected) : !*found;
    if (!matches) return false;
    auto done =
        desired ? put(*env_, txn, k.stored(), codec_->encode(0, k.composite(), *desired)) : erase(*env_, txn, k.stored());
    if (!done) return std::unexpected(done.error());
    return true;
  });
}

}  // namespace hookd::host
