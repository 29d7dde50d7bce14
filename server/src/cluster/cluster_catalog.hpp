// The cluster catalog in Redis (docs/cluster.md): what every node of a
// cluster serves, and the ordered change log the nodes follow.
//
// Keys, all under R = "hookd-cluster:<cluster.key_prefix>:" (redis_keys.hpp:
// a tag no plugin's KV key can carry, whatever its namespace):
//   R module:<sha256>    module bytes, content-addressed (SET: idempotent)
//   R manifest:<name>    hash: sha256, settings (JSON), version
//   R history:<name>     hash: the plugin's versions (docs/releases.md):
//                        last (number given), serving, v:<n> (a record, JSON)
//   R plugins            set of the names with a manifest
//   R version            the catalog version, +1 per change
//   R log                stream of changes (op, name, sha256, version), XADD MAXLEN ~
//   R node:<id>          a node's heartbeat (JSON), with an expiry
// A put or delete is one Lua script (manifest, version and log entry
// together), so a follower never sees a log entry without its manifest, and
// versions in the log are contiguous: a gap means entries were trimmed away
// and the follower resyncs from the manifests.
//
// Errors are values: a Redis that is down or hung is a kHostError with
// status 503 after at most the configured connect and command timeouts, and
// 503 means not applied. A put or delete whose script was sent but not
// answered is 504 instead (outcome unknown): the script is fenced by a
// deadline on Redis's clock, so it was applied before the node gave up or
// never will be; retrying either is safe. A key holding the wrong type is a
// kInvalidArgument (not 503: retrying will not mend it); snapshot() skips
// such entries and lists them in `malformed`.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "hookd/engine/result.hpp"
#include "hookd/host/redis_keys.hpp"
#include "hookd/host/redis_pool.hpp"

namespace hookd::server::cluster {

struct Manifest {
  std::string name;
  std::string sha256;
  std::string settings_json;
  uint64_t version = 0;
};

struct Change {
  enum class Op { kPut, kDelete };
  Op op = Op::kPut;
  std::string name;
  std::string sha256;  // empty for a delete
  uint64_t version = 0;
  std::string id;       // the stream entry's ID
  uint64_t upload = 0;  // a put's (or a rollback's) number among the plugin's versions
};

// The whole catalog at one catalog version, and the log position it matches.
struct Snapshot {
  uint64_t version = 0;
  std::string last_id = "0-0";
  std::vector<Manifest> plugins;
  std::vector<std::string> malformed;  // entries skipped, and why
};

class ClusterCatalog {
 public:
  // `pool` must outlive the catalog; it may be shared by threads.
  ClusterCatalog(host::detail::RedisPool& pool, std::string_view prefix, uint32_t log_max_entries);

  // Stores the module and then, atomically, the manifest, a log entry and
  // the plugin's next version (`record_json`, its record; the newest
  // `keep_versions` are kept).
  engine::Result<Change> put(const std::string& name, std::span<const uint8_t> wasm,
                             const std::string& sha256, const std::string& settings_json,
                             const std::string& record_json = "{}", uint32_t keep_versions = 5);
  // A rollback: kept version `number` (module `sha256`, settings) serves
  // again, atomically with its manifest and log entry, as a put that makes
  // no new version; nullopt when it is not kept.
  engine::Result<std::optional<Change>> serve(const std::string& name, uint64_t number,
                                              const std::string& sha256, const std::string& settings_json);
  // The fields of the plugin's history hash (empty: none).
  engine::Result<std::vector<std::pair<std::string, std::string>>> history(const std::string& name);
  // nullopt when there was no such plugin in the catalog.
  engine::Result<std::optional<Change>> remove(const std::string& name);
  engine::Result<Snapshot> snapshot();
  engine::Result<std::optional<Manifest>> manifest(const std::string& name);
  // The module stored under `sha256`, checked against it; at most `max_bytes`.
  engine::Result<std::vector<uint8_t>> module(const std::string& sha256, uint64_t max_bytes);
  // Changes after `after_id`, waiting up to `block_ms` for one (0: no wait).
  engine::Result<std::vector<Change>> read_log(const std::string& after_id, int64_t block_ms, uint32_t count);

  engine::Result<void> heartbeat(const std::string& node_id, const std::string& json, int64_t ttl_ms);
  engine::Result<void> forget(const std::string& node_id);
  // The heartbeats of the live nodes (JSON texts), at most `max_nodes`.
  engine::Result<std::vector<std::string>> nodes(size_t max_nodes);

  // Test seam: how long after fence() a write script may still run (default
  // half the command timeout); a negative one makes every write too late.
  void set_write_window_for_test(std::chrono::microseconds w) { write_window_ = w; }

 private:
  std::string key(std::string_view what) const { return root_ + std::string(what); }
  // Redis's clock now plus half the command timeout, in microseconds: the
  // deadline a write script checks before it changes anything.
  engine::Result<std::string> fence();

  host::detail::RedisPool& pool_;
  std::string root_;  // host::cluster_key_root(prefix)
  std::string max_len_;
  std::optional<std::chrono::microseconds> write_window_;
};

}  // namespace hookd::server::cluster
