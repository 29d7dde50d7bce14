// Namespace quotas on LMDB: what each namespace holds (key + value bytes and
// keys), kept in the store's own database under a key no record can have
// ("\x01u" + namespace; namespaces are [A-Za-z0-9_-]) and updated in the
// same write transaction as the records it counts, so it is exactly as
// durable and as current as they are. A store written before quotas existed
// has no such entry: the namespace is counted once, on its first write.
// Expired records stay on disk (and charged) until overwritten, deleted, or
// swept by a write that would otherwise exceed the quota.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "kv_checks.hpp"
#include "lmdb/lmdb_env.hpp"
#include "lmdb/lmdb_record.hpp"

namespace hookd::host::detail {

/// Accounts, in `txn`, a write of `key` (stored as `k`) before it is made:
/// new_charge is its new key + value bytes, or nullopt for a delete. Returns
/// true with the namespace's usage updated in `txn`. A write that does not
/// fit the quota first sweeps the namespace's expired records (they give
/// their bytes back); if it still does not fit, returns false and sets
/// `quota`: the caller makes no write but commits `txn`, keeping the sweep.
KvResult<bool> account_write(LmdbEnv& env, const RecordCodec& codec, MDB_txn* txn, const KvLimits& limits,
                             std::string_view ns, const RecordKey& k, std::string_view key,
                             std::optional<std::uint64_t> new_charge, std::uint64_t now_ms, KvError& quota);

/// The namespace's usage as recorded in `txn` (counted if never recorded).
KvResult<NamespaceUsage> namespace_usage(LmdbEnv& env, const RecordCodec& codec, MDB_txn* txn,
                                         std::string_view ns);

}  // namespace hookd::host::detail
