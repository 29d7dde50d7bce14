#include "cluster/cluster_catalog.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>

#include "hookd/engine/sha256.hpp"

namespace hookd::server::cluster {
namespace {

using host::detail::Reply;
using host::detail::Retry;

// Both write scripts are fenced: ARGV's last is a deadline on Redis's own
// clock (fence()), past which the script does nothing. A write the node gave
// up on (Redis paused or slow, the reply not in within the command timeout)
// and answered as failed can then not take effect later, when Redis resumes
// and reads it from the socket.
//
// KEYS: version, manifest, plugins, log, module, history. ARGV: name,
// sha256, settings, maxlen, deadline (us), version record, versions to keep.
// The upload is also the plugin's next version in its history (a hash:
// `last` number given, `serving` number, `v:<n>` record per kept version),
// which keeps the newest ones (never the serving one).
constexpr std::string_view kPutScript = R"lua(
local t = redis.call('TIME')
if tonumber(t[1]) * 1000000 + tonumber(t[2]) > tonumber(ARGV[5]) then
  return redis.error_reply('hookd-fenced: reached Redis after the node gave up on it; not applied')
end
if redis.call('EXISTS', KEYS[5]) == 0 then return redis.error_reply('module missing') end
local v = redis.call('INCR', KEYS[1])
local n = redis.call('HINCRBY', KEYS[6], 'last', 1)
redis.call('HSET', KEYS[6], 'v:' .. n, ARGV[6], 'serving', n)
local kept = {}
for _, f in ipairs(redis.call('HKEYS', KEYS[6])) do
  local k = string.match(f, '^v:(%d+)$')
  if k then table.insert(kept, tonumber(k)) end
end
table.sort(kept)
local excess = #kept - tonumber(ARGV[7])
for _, k in ipairs(kept) do
  if excess <= 0 then break end
  if k ~= n then
    redis.call('HDEL', KEYS[6], 'v:' .. k)
    excess = excess - 1
  end
end
redis.call('HSET', KEYS[2], 'sha256', ARGV[2], 'settings', ARGV[3], 'version', v)
redis.call('SADD', KEYS[3], ARGV[1])
local id = redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[4], '*',
                      'op', 'put', 'name', ARGV[1], 'sha256', ARGV[2], 'version', v)
return {v, id, n}
)lua";

// A rollback: kept version ARGV[6] serves again, as a put of its module and
// settings that makes no new version. {0, '', 0} when it is not kept.
// KEYS: version, manifest, plugins, log, module, history. ARGV: name,
// sha256, settings, maxlen, deadline (us), number.
constexpr std::string_view kServeScript = R"lua(
local t = redis.call('TIME')
if tonumber(t[1]) * 1000000 + tonumber(t[2]) > tonumber(ARGV[5]) then
  return redis.error_reply('hookd-fenced: reached Redis after the node gave up on it; not applied')
end
if redis.call('HEXISTS', KEYS[6], 'v:' .. ARGV[6]) == 0 then return {0, '', 0} end
if redis.call('EXISTS', KEYS[5]) == 0 then return redis.error_reply('module missing') end
local v = redis.call('INCR', KEYS[1])
redis.call('HSET', KEYS[6], 'serving', ARGV[6])
redis.call('HSET', KEYS[2], 'sha256', ARGV[2], 'settings', ARGV[3], 'version', v)
redis.call('SADD', KEYS[3], ARGV[1])
local id = redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[4], '*',
                      'op', 'put', 'name', ARGV[1], 'sha256', ARGV[2], 'version', v)
return {v, id, tonumber(ARGV[6])}
)lua";

// KEYS: version, manifest, plugins, log, history. ARGV: name, maxlen,
// deadline (us). The plugin's versions go with it.
constexpr std::string_view kDeleteScript = R"lua(
local t = redis.call('TIME')
if tonumber(t[1]) * 1000000 + tonumber(t[2]) > tonumber(ARGV[3]) then
  return redis.error_reply('hookd-fenced: reached Redis after the node gave up on it; not applied')
end
redis.call('DEL', KEYS[5])
if redis.call('DEL', KEYS[2]) == 0 then return {0, ''} end
redis.call('SREM', KEYS[3], ARGV[1])
local v = redis.call('INCR', KEYS[1])
local id = redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[2], '*',
                      'op', 'delete', 'name', ARGV[1], 'sha256', '', 'version', v)
return {v, id}
)lua";

// KEYS: version, plugins, log. ARGV: manifest key prefix.
// Returns {version, last id, n, n x what was skipped, then name, sha256,
// settings, version, name, ...}. A key of the wrong type or a manifest
// without its fields is skipped and named, never an error: one malformed
// entry must not keep a node from starting.
constexpr std::string_view kSnapshotScript = R"lua(
local bad = {}
local v = 0
local t = redis.call('TYPE', KEYS[1]).ok
if t == 'string' then
  v = tonumber(redis.call('GET', KEYS[1]))
  if not v then v = 0; table.insert(bad, 'version: not a number') end
elseif t ~= 'none' then table.insert(bad, 'version: a ' .. t .. ', not a string') end
local id = '0-0'
t = redis.call('TYPE', KEYS[3]).ok
if t == 'stream' then
  local last = redis.call('XREVRANGE', KEYS[3], '+', '-', 'COUNT', 1)
  if #last > 0 then id = last[1][1] end
elseif t ~= 'none' then table.insert(bad, 'log: a ' .. t .. ', not a stream') end
local entries = {}
t = redis.call('TYPE', KEYS[2]).ok
if t == 'set' then
  for _, name in ipairs(redis.call('SMEMBERS', KEYS[2])) do
    local mt = redis.call('TYPE', ARGV[1] .. name).ok
    if mt == 'hash' then
      local m = redis.call('HMGET', ARGV[1] .. name, 'sha256', 'settings', 'version')
      if m[1] and m[2] and m[3] then
        table.insert(entries, name); table.insert(entries, m[1])
        table.insert(entries, m[2]); table.insert(entries, m[3])
      else
        table.insert(bad, 'manifest ' .. name .. ': sha256, settings or version missing')
      end
    elseif mt ~= 'none' then
      table.insert(bad, 'manifest ' .. name .. ': a ' .. mt .. ', not a hash')
    end
  end
elseif t ~= 'none' then table.insert(bad, 'plugins: a ' .. t .. ', not a set') end
local out = {v, id, #bad}
for _, b in ipairs(bad) do table.insert(out, b) end
for _, e in ipairs(entries) do table.insert(out, e) end
return out
)lua";

std::unexpected<engine::Error> unavailable(std::string message) {
  return engine::fail(engine::ErrorKind::kHostError, "cluster catalog: " + std::move(message), 503);
}

engine::Result<Reply> run_reply(Reply reply) {
  if (reply->type == REDIS_REPLY_ERROR) {
    const std::string_view error(reply->str, reply->len);
    // A catalog key holding the wrong type is bad data, not an unavailable
    // Redis: the caller reports and skips it rather than retrying forever.
    if (error.starts_with("WRONGTYPE")) {
      return engine::fail(engine::ErrorKind::kInvalidArgument,
                          "cluster catalog: malformed entry: " + std::string(error.substr(0, 200)));
    }
    return unavailable("Redis error: " + std::string(error));
  }
  return reply;
}

engine::Result<Reply> run(host::detail::RedisPool& pool, std::span<const std::string_view> args,
                          Retry retry) {
  auto reply = pool.command(args, retry);
  if (!reply) return unavailable(reply.error().message);
  return run_reply(std::move(*reply));
}

// A write script sent but not answered: it may have run, or may never run
// (fenced), and only Redis knows which. Not 503, which says "not applied".
std::unexpected<engine::Error> outcome_unknown(const std::string& what, std::string message) {
  return engine::fail(engine::ErrorKind::kHostError,
                      "cluster catalog: " + std::move(message) + "; the " + what +
                          " may or may not be in the catalog: it can have been applied only within the "
                          "command timeout, never later (GET /admin/plugins shows which); retrying is safe",
                      504);
}

std::string_view text(const redisReply* r) {
  if (r == nullptr || (r->type != REDIS_REPLY_STRING && r->type != REDIS_REPLY_STATUS)) return {};
  return {r->str, r->len};
}

uint64_t number(const redisReply* r) {
  if (r == nullptr) return 0;
  if (r->type == REDIS_REPLY_INTEGER) return r->integer < 0 ? 0 : static_cast<uint64_t>(r->integer);
  const std::string_view t = text(r);
  uint64_t out = 0;
  std::from_chars(t.data(), t.data() + t.size(), out);
  return out;
}

// {version, id} or {version, id, upload number}.
engine::Result<Change> change_of(const redisReply* r, Change::Op op, std::string name, std::string sha256) {
  if (r->type != REDIS_REPLY_ARRAY || r->elements < 2 || r->elements > 3)
    return unavailable("unexpected script reply");
  Change c{op, std::move(name), std::move(sha256), number(r->element[0]), std::string(text(r->element[1]))};
  if (r->elements == 3) c.upload = number(r->element[2]);
  return c;
}

}  // namespace

ClusterCatalog::ClusterCatalog(host::detail::RedisPool& pool, std::string_view prefix,
                               uint32_t log_max_entries)
    : pool_(pool), root_(host::cluster_key_root(prefix)), max_len_(std::to_string(log_max_entries)) {}

engine::Result<std::string> ClusterCatalog::fence() {
  const std::array<std::string_view, 1> time{"TIME"};
  auto r = run(pool_, time, Retry::kIfIdempotent);
  if (!r) return std::unexpected(r.error());
  const redisReply* a = r->get();
  if (a->type != REDIS_REPLY_ARRAY || a->elements != 2) return unavailable("unexpected TIME reply");
  // Half the command timeout: a script that runs by then has the other half
  // to get its reply back before this node gives up on it.
  const auto window = write_window_.value_or(
      std::chrono::duration_cast<std::chrono::microseconds>(pool_.options().command_timeout) / 2);
  const int64_t now = static_cast<int64_t>(number(a->element[0]) * 1'000'000 + number(a->element[1]));
  return std::to_string(now + window.count());
}

engine::Result<Change> ClusterCatalog::put(const std::string& name, std::span<const uint8_t> wasm,
                                           const std::string& sha256, const std::string& settings_json,
                                           const std::string& record_json, uint32_t keep_versions) {
  const std::string module_key = key("module:" + sha256);
  const std::string_view bytes(reinterpret_cast<const char*>(wasm.data()), wasm.size());
  // Content-addressed, so setting it twice is harmless (and it may be
  // retried); written again rather than SET NX so an upload repairs a
  // stored copy that was damaged.
  const std::array<std::string_view, 3> set{"SET", module_key, bytes};
  if (auto r = run(pool_, set, Retry::kIfIdempotent); !r) return std::unexpected(r.error());
  const std::string version = key("version"), manifest = key("manifest:" + name), plugins = key("plugins"),
                    log = key("log");
  auto deadline = fence();
  if (!deadline) return std::unexpected(deadline.error());
  const std::string history = key("history:" + name),
                    keep = std::to_string(std::max<uint32_t>(keep_versions, 1));
  const std::array<std::string_view, 16> eval{
      "EVAL",  kPutScript, "6",    version,       manifest, plugins,   log,         module_key,
      history, name,       sha256, settings_json, max_len_, *deadline, record_json, keep};
  // Not retried: a lost reply may mean it ran.
  auto reply = pool_.command(eval, Retry::kNo);
  if (!reply) return outcome_unknown("upload of " + name, reply.error().message);
  auto r = run_reply(std::move(*reply));
  if (!r) return std::unexpected(r.error());
  return change_of(r->get(), Change::Op::kPut, name, sha256);
}

engine::Result<std::optional<Change>> ClusterCatalog::remove(const std::string& name) {
  const std::string version = key("version"), manifest = key("manifest:" + name), plugins = key("plugins"),
                    log = key("log");
  auto deadline = fence();
  if (!deadline) return std::unexpected(deadline.error());
  const std::string history = key("history:" + name);
  const std::array<std::string_view, 11> eval{"EVAL", kDeleteScript, "5",  version,  manifest, plugins,
                                              log,    history,       name, max_len_, *deadline};
  auto reply = pool_.command(eval, Retry::kNo);
  if (!reply) return outcome_unknown("deletion of " + name, reply.error().message);
  auto r = run_reply(std::move(*reply));
  if (!r) return std::unexpected(r.error());
  auto change = change_of(r->get(), Change::Op::kDelete, name, {});
  if (!change) return std::unexpected(change.error());
  if (change->version == 0) return std::nullopt;
  return std::move(*change);
}

engine::Result<std::optional<Change>> ClusterCatalog::serve(const std::string& name, uint64_t number,
                                                            const std::string& sha256,
                                                            const std::string& settings_json) {
  const std::string version = key("version"), manifest = key("manifest:" + name), plugins = key("plugins"),
                    log = key("log"), module_key = key("module:" + sha256), history = key("history:" + name),
                    n = std::to_string(number);
  auto deadline = fence();
  if (!deadline) return std::unexpected(deadline.error());
  const std::array<std::string_view, 15> eval{"EVAL",  kServeScript,  "6",        version,   manifest,
                                              plugins, log,           module_key, history,   name,
                                              sha256,  settings_json, max_len_,   *deadline, n};
  auto reply = pool_.command(eval, Retry::kNo);
  if (!reply) return outcome_unknown("rollback of " + name, reply.error().message);
  auto r = run_reply(std::move(*reply));
  if (!r) return std::unexpected(r.error());
  auto change = change_of(r->get(), Change::Op::kPut, name, sha256);
  if (!change) return std::unexpected(change.error());
  if (change->version == 0) return std::nullopt;
  return std::move(*change);
}

engine::Result<std::vector<std::pair<std::string, std::string>>> ClusterCatalog::history(
    const std::string& name) {
  const std::string k = key("history:" + name);
  const std::array<std::string_view, 2> cmd{"HGETALL", k};
  auto r = run(pool_, cmd, Retry::kIfIdempotent);
  if (!r) return std::unexpected(r.error());
  const redisReply* a = r->get();
  // RESP2: a flat array of field, value, field, value, ...
  if (a->type != REDIS_REPLY_ARRAY || a->elements % 2 != 0) return unavailable("unexpected HGETALL reply");
  std::vector<std::pair<std::string, std::string>> out;
  for (size_t i = 0; i + 1 < a->elements; i += 2)
    out.emplace_back(std::string(text(a->element[i])), std::string(text(a->element[i + 1])));
  return out;
}

engine::Result<Snapshot> ClusterCatalog::snapshot() {
  const std::string version = key("version"), plugins = key("plugins"), log = key("log"),
                    manifests = key("manifest:");
  const std::array<std::string_view, 7> eval{"EVAL", kSnapshotScript, "3", version, plugins, log, manifests};
  auto r = run(pool_, eval, Retry::kIfIdempotent);
  if (!r) return std::unexpected(r.error());
  const redisReply* a = r->get();
  if (a->type != REDIS_REPLY_ARRAY || a->elements < 3) return unavailable("unexpected snapshot reply");
  const size_t skipped = number(a->element[2]);
  if (skipped > a->elements - 3 || (a->elements - 3 - skipped) % 4 != 0) {
    return unavailable("unexpected snapshot reply");
  }
  Snapshot s;
  s.version = number(a->element[0]);
  s.last_id = std::string(text(a->element[1]));
  for (size_t i = 3; i < 3 + skipped; ++i) s.malformed.emplace_back(text(a->element[i]));
  for (size_t i = 3 + skipped; i + 3 < a->elements; i += 4) {
    s.plugins.push_back(Manifest{std::string(text(a->element[i])), std::string(text(a->element[i + 1])),
                                 std::string(text(a->element[i + 2])), number(a->element[i + 3])});
  }
  std::ranges::sort(s.plugins, {}, &Manifest::name);
  return s;
}

engine::Result<std::optional<Manifest>> ClusterCatalog::manifest(const std::string& name) {
  const std::string k = key("manifest:" + name);
  const std::array<std::string_view, 5> cmd{"HMGET", k, "sha256", "settings", "version"};
  auto r = run(pool_, cmd, Retry::kIfIdempotent);
  if (!r) return std::unexpected(r.error());
  const redisReply* a = r->get();
  if (a->type != REDIS_REPLY_ARRAY || a->elements != 3 || a->element[0]->type == REDIS_REPLY_NIL) {
    return std::nullopt;
  }
  return Manifest{name, std::string(text(a->element[0])), std::string(text(a->element[1])),
                  number(a->element[2])};
}

engine::Result<std::vector<uint8_t>> ClusterCatalog::module(const std::string& sha256, uint64_t max_bytes) {
  const std::string k = key("module:" + sha256);
  {
    const std::array<std::string_view, 2> strlen{"STRLEN", k};
    auto size = run(pool_, strlen, Retry::kIfIdempotent);
    if (!size) return std::unexpected(size.error());
    if (number(size->get()) > max_bytes) {
      return engine::fail(engine::ErrorKind::kInvalidModule,
                          fmt::format("module {} is larger than {} bytes", sha256, max_bytes));
    }
  }
  const std::array<std::string_view, 2> get{"GET", k};
  auto r = run(pool_, get, Retry::kIfIdempotent);
  if (!r) return std::unexpected(r.error());
  const std::string_view bytes = text(r->get());
  if ((*r)->type != REDIS_REPLY_STRING) {
    return engine::fail(engine::ErrorKind::kNotFound, "module " + sha256 + " is missing from the catalog");
  }
  std::vector<uint8_t> out(bytes.begin(), bytes.end());
  if (engine::sha256_hex(out) != sha256) {
    return engine::fail(engine::ErrorKind::kIntegrity, "module " + sha256 + " does not match its SHA-256");
  }
  return out;
}

engine::Result<std::vector<Change>> ClusterCatalog::read_log(const std::string& after_id, int64_t block_ms,
                                                             uint32_t count) {
  const std::string log = key("log"), block = std::to_string(block_ms), n = std::to_string(count);
  const std::array<std::string_view, 8> blocking{"XREAD", "COUNT",   n,   "BLOCK",
                                                 block,   "STREAMS", log, after_id};
  const std::array<std::string_view, 6> at_once{"XREAD", "COUNT", n, "STREAMS", log, after_id};
  auto r =
      block_ms > 0 ? run(pool_, blocking, Retry::kIfIdempotent) : run(pool_, at_once, Retry::kIfIdempotent);
  if (!r) return std::unexpected(r.error());
  std::vector<Change> out;
  const redisReply* streams = r->get();
  if (streams->type != REDIS_REPLY_ARRAY || streams->elements == 0) return out;  // nil: nothing new
  const redisReply* stream = streams->element[0];
  if (stream->type != REDIS_REPLY_ARRAY || stream->elements != 2)
    return unavailable("unexpected XREAD reply");
  const redisReply* entries = stream->element[1];
  for (size_t i = 0; i < entries->elements; ++i) {
    const redisReply* e = entries->element[i];
    if (e->type != REDIS_REPLY_ARRAY || e->elements != 2) continue;
    Change c;
    c.id = std::string(text(e->element[0]));
    const redisReply* fields = e->element[1];
    for (size_t f = 0; f + 1 < fields->elements; f += 2) {
      const std::string_view name = text(fields->element[f]);
      const redisReply* value = fields->element[f + 1];
      if (name == "op") c.op = text(value) == "delete" ? Change::Op::kDelete : Change::Op::kPut;
      if (name == "name") c.name = std::string(text(value));
      if (name == "sha256") c.sha256 = std::string(text(value));
      if (name == "version") c.version = number(value);
    }
    out.push_back(std::move(c));
  }
  return out;
}

engine::Result<void> ClusterCatalog::heartbeat(const std::string& node_id, const std::string& json,
                                               int64_t ttl_ms) {
  const std::string k = key("node:" + node_id), ttl = std::to_string(ttl_ms);
  const std::array<std::string_view, 5> cmd{"SET", k, json, "PX", ttl};
  if (auto r = run(pool_, cmd, Retry::kIfIdempotent); !r) return std::unexpected(r.error());
  return {};
}

engine::Result<void> ClusterCatalog::forget(const std::string& node_id) {
  const std::string k = key("node:" + node_id);
  const std::array<std::string_view, 2> cmd{"DEL", k};
  if (auto r = run(pool_, cmd, Retry::kIfIdempotent); !r) return std::unexpected(r.error());
  return {};
}

engine::Result<std::vector<std::string>> ClusterCatalog::nodes(size_t max_nodes) {
  const std::string match = key("node:*");
  std::vector<std::string> keys;
  std::string cursor = "0";
  // Bounded: a SCAN pass over at most a few thousand steps.
  for (int step = 0; step < 1000; ++step) {
    const std::array<std::string_view, 6> scan{"SCAN", cursor, "MATCH", match, "COUNT", "1000"};
    auto r = run(pool_, scan, Retry::kIfIdempotent);
    if (!r) return std::unexpected(r.error());
    const redisReply* a = r->get();
    if (a->type != REDIS_REPLY_ARRAY || a->elements != 2) return unavailable("unexpected SCAN reply");
    cursor = std::string(text(a->element[0]));
    for (size_t i = 0; i < a->element[1]->elements && keys.size() < max_nodes; ++i) {
      keys.emplace_back(text(a->element[1]->element[i]));
    }
    if (cursor == "0" || keys.size() >= max_nodes) break;
  }
  std::vector<std::string> out;
  if (keys.empty()) return out;
  std::vector<std::string_view> mget{"MGET"};
  for (const auto& k : keys) mget.push_back(k);
  auto r = run(pool_, mget, Retry::kIfIdempotent);
  if (!r) return std::unexpected(r.error());
  for (size_t i = 0; i < (*r)->elements; ++i) {
    if ((*r)->element[i]->type == REDIS_REPLY_STRING) out.emplace_back(text((*r)->element[i]));
  }
  return out;
}

}  // namespace hookd::server::cluster
