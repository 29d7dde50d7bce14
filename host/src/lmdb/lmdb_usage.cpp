#include "lmdb/lmdb_usage.hpp"

#include <cstring>
#include <string>
#include <vector>

namespace hookd::host::detail {
namespace {

std::string usage_key(std::string_view ns) {
  std::string k("\x01u");
  k.append(ns);
  return k;
}

// The key part of a record stored under `stored` in namespace `ns`.
std::size_t key_bytes(std::string_view ns, std::string_view stored, const RecordCodec::Value& v) {
  const std::string_view composite = v.hashed_composite.empty() ? stored : v.hashed_composite;
  return composite.size() - ns.size() - 1;
}

// Calls visit(stored, record) for each of the namespace's records.
template <class Visit>
KvResult<void> walk(LmdbEnv& env, MDB_txn* txn, std::string_view ns, const Visit& visit) {
  MDB_cursor* cursor = nullptr;
  if (int rc = mdb_cursor_open(txn, env.dbi(), &cursor); rc != 0)
    return std::unexpected(env.error(rc, "cursor"));
  std::string start(ns);
  start.push_back('\0');
  MDB_val k = as_val(start);
  MDB_val v{};
  int rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE);
  for (; rc == 0 && as_view(k).starts_with(start); rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
    auto record = RecordCodec::decode(as_view(v));
    if (!record) {
      mdb_cursor_close(cursor);
      return std::unexpected(kv_error(KvError::Code::kInternal, "KV store: corrupt record"));
    }
    visit(as_view(k), *record);
  }
  mdb_cursor_close(cursor);
  if (rc != 0 && rc != MDB_NOTFOUND) return std::unexpected(env.error(rc, "cursor"));
  return {};
}

// Counts the namespace; with `now_ms` set, deletes its expired records first.
KvResult<NamespaceUsage> count(LmdbEnv& env, MDB_txn* txn, std::string_view ns,
                               std::optional<std::uint64_t> now_ms) {
  NamespaceUsage usage;
  std::vector<std::string> expired;
  auto done = walk(env, txn, ns, [&](std::string_view stored, const RecordCodec::Value& record) {
    if (now_ms && !RecordCodec::live(record, *now_ms)) {
      expired.emplace_back(stored);
      return;
    }
    usage.bytes += key_bytes(ns, stored, record) + record.bytes.size();
    usage.keys += 1;
  });
  if (!done) return std::unexpected(done.error());
  for (const std::string& stored : expired) {
    MDB_val k = as_val(stored);
    if (int rc = mdb_del(txn, env.dbi(), &k, nullptr); rc != 0)
      return std::unexpected(env.error(rc, "sweep"));
  }
  return usage;
}

KvResult<void> store_usage(LmdbEnv& env, MDB_txn* txn, std::string_view ns, const NamespaceUsage& usage) {
  const std::string key = usage_key(ns);
  char bytes[16];
  std::memcpy(bytes, &usage.bytes, 8);
  std::memcpy(bytes + 8, &usage.keys, 8);
  MDB_val k = as_val(key);
  MDB_val v{sizeof bytes, bytes};
  if (int rc = mdb_put(txn, env.dbi(), &k, &v, 0); rc != 0)
    return std::unexpected(env.error(rc, "put usage"));
  return {};
}

// The charge of the record stored for `k` (expired or not), or nullopt.
KvResult<std::optional<std::uint64_t>> stored_charge(LmdbEnv& env, MDB_txn* txn, const RecordKey& k,
                                                     std::string_view key) {
  MDB_val sk = as_val(k.stored());
  MDB_val v{};
  const int rc = mdb_get(txn, env.dbi(), &sk, &v);
  if (rc == MDB_NOTFOUND) return std::optional<std::uint64_t>{};
  if (rc != 0) return std::unexpected(env.error(rc, "get"));
  auto record = RecordCodec::decode(as_view(v));
  if (!record) return std::unexpected(kv_error(KvError::Code::kInternal, "KV store: corrupt record"));
  return std::optional<std::uint64_t>{kv_charge(key, record->bytes)};
}

}  // namespace

KvResult<NamespaceUsage> namespace_usage(LmdbEnv& env, const RecordCodec&, MDB_txn* txn,
                                         std::string_view ns) {
  const std::string key = usage_key(ns);
  MDB_val k = as_val(key);
  MDB_val v{};
  const int rc = mdb_get(txn, env.dbi(), &k, &v);
  if (rc == MDB_NOTFOUND) return count(env, txn, ns, std::nullopt);
  if (rc != 0) return std::unexpected(env.error(rc, "get usage"));
  if (v.mv_size != 16)
    return std::unexpected(kv_error(KvError::Code::kInternal, "KV store: corrupt usage record"));
  NamespaceUsage usage;
  std::memcpy(&usage.bytes, v.mv_data, 8);
  std::memcpy(&usage.keys, static_cast<const char*>(v.mv_data) + 8, 8);
  return usage;
}

KvResult<bool> account_write(LmdbEnv& env, const RecordCodec& codec, MDB_txn* txn, const KvLimits& limits,
                             std::string_view ns, const RecordKey& k, std::string_view key,
                             std::optional<std::uint64_t> new_charge, std::uint64_t now_ms, KvError& quota) {
  auto usage = namespace_usage(env, codec, txn, ns);
  if (!usage) return std::unexpected(usage.error());
  auto old = stored_charge(env, txn, k, key);
  if (!old) return std::unexpected(old.error());
  if (new_charge && !fits_quota(limits, *usage, *old, *new_charge)) {
    usage = count(env, txn, ns, now_ms);  // sweep what expired, and recount
    if (!usage) return std::unexpected(usage.error());
    old = stored_charge(env, txn, k, key);  // this key may have been swept
    if (!old) return std::unexpected(old.error());
    if (!fits_quota(limits, *usage, *old, *new_charge)) {
      quota = quota_error(limits, ns, *usage);
      if (auto ok = store_usage(env, txn, ns, *usage); !ok) return std::unexpected(ok.error());
      return false;
    }
  }
  if (auto ok = store_usage(env, txn, ns, apply_write(*usage, *old, new_charge)); !ok) {
    return std::unexpected(ok.error());
  }
  return true;
}

}  // namespace hookd::host::detail
