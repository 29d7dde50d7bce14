#include "hookd/host/redis_kv_store.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdio>

#include "hookd/host/redis_keys.hpp"
#include "hookd/host/redis_pool.hpp"
#include "kv_checks.hpp"

namespace hookd::host {

using detail::check_key;
using detail::kv_error;
using detail::Reply;
using detail::Retry;

namespace {

// Namespace quotas: each write runs as a script that keeps, next to the
// data, a hash of the charge (key + value bytes) of every key it wrote
// (KEYS[2], "<prefix><ns>\0sizes"; HLEN is the key count) and their sum
// (KEYS[3], "<prefix><ns>\0bytes"), atomically with the write. Neither name
// can be a data key (namespaces have no ':' or NUL). Redis expires and
// evicts keys on its own, so an entry whose key is gone gives its bytes back
// when a write touches that key, and all such entries do when a write would
// exceed the quota (a sweep of the hash). KEYS[1] is the data key; ARGV[1]
// the user key, ARGV[2..3] the byte and key quotas (0: none), ARGV[4] the
// data key prefix of the namespace; script arguments follow from ARGV[5].
constexpr std::string_view kUsagePrelude = R"lua(
local sizes, total = KEYS[2], KEYS[3]
local max_bytes, max_keys = tonumber(ARGV[2]), tonumber(ARGV[3])
local function held()
  local c = redis.call('HGET', sizes, ARGV[1])
  if not c then return nil end
  c = tonumber(c)
  if redis.call('EXISTS', KEYS[1]) == 0 then
    redis.call('HDEL', sizes, ARGV[1])
    redis.call('DECRBY', total, c)
    return nil
  end
  return c
end
local function usage()
  return tonumber(redis.call('GET', total) or '0'), redis.call('HLEN', sizes)
end
local function fits(old, new)
  if old and new <= old then return true end
  local b, k = usage()
  local base = b - (old or 0)
  if base < 0 then base = 0 end
  if max_bytes > 0 and base + new > max_bytes then return false end
  if not old and max_keys > 0 and k + 1 > max_keys then return false end
  return true
end
local function sweep()
  local cursor = '0'
  repeat
    local page = redis.call('HSCAN', sizes, cursor, 'COUNT', 1000)
    cursor = page[1]
    local f = page[2]
    for i = 1, #f, 2 do
      if redis.call('EXISTS', ARGV[4] .. f[i]) == 0 then
        redis.call('HDEL', sizes, f[i])
        redis.call('DECRBY', total, f[i + 1])
      end
    end
  until cursor == '0'
end
local function admit(old, new)
  if fits(old, new) then return nil end
  sweep()
  if fits(old, new) then return nil end
  local b, k = usage()
  return redis.error_reply('HOOKD_QUOTA ' .. string.format('%d %d', b, k))
end
local function charge(old, new)
  if old then redis.call('DECRBY', total, old) end
  if new then
    redis.call('HSET', sizes, ARGV[1], new)
    redis.call('INCRBY', total, new)
  else
    redis.call('HDEL', sizes, ARGV[1])
  end
end
)lua";

// ARGV[5] value, ARGV[6] TTL in ms or empty.
constexpr std::string_view kSetScript = R"lua(
local old = held()
local new = #ARGV[1] + #ARGV[5]
local err = admit(old, new)
if err then return err end
if ARGV[6] ~= '' then redis.call('SET', KEYS[1], ARGV[5], 'PX', ARGV[6]) else redis.call('SET', KEYS[1], ARGV[5]) end
charge(old, new)
return 1
)lua";

constexpr std::string_view kDelScript = R"lua(
local old = held()
local n = redis.call('DEL', KEYS[1])
charge(old, nil)
return n
)lua";

// ARGV[5] delta. Returns the new value as a string (a Lua number would lose
// digits); a write over the quota is undone, TTL and all.
constexpr std::string_view kIncrScript = R"lua(
local old = held()
local before = redis.call('GET', KEYS[1])
local r = redis.pcall('INCRBY', KEYS[1], ARGV[5])
if type(r) == 'table' and r.err then return r end
local new = #ARGV[1] + redis.call('STRLEN', KEYS[1])
local err = admit(old, new)
if err then
  if before then redis.call('SET', KEYS[1], before, 'KEEPTTL') else redis.call('DEL', KEYS[1]) end
  return err
end
charge(old, new)
return redis.call('GET', KEYS[1])
)lua";

// ARGV[5..8]: has_expected ("1"/"0"), expected, has_desired, desired.
// GET returns false for a missing (or expired) key, which never equals a string.
constexpr std::string_view kCasScript = R"lua(
local cur = redis.call('GET', KEYS[1])
if ARGV[5] == '1' then
  if cur ~= ARGV[6] then return 0 end
elseif cur then
  return 0
end
local old = held()
if ARGV[7] == '1' then
  local new = #ARGV[1] + #ARGV[8]
  local err = admit(old, new)
  if err then return err end
  redis.call('SET', KEYS[1], ARGV[8])
  charge(old, new)
else
  redis.call('DEL', KEYS[1])
  charge(old, nil)
end
return 1
)lua";

// get_many with a byte bound: the values' sizes are added up on the server
// before any value is sent. KEYS: the data keys; ARGV[1]: the bound.
constexpr std::string_view kBoundedMgetScript = R"lua(
local max, sum = tonumber(ARGV[1]), 0
for i = 1, #KEYS do
  sum = sum + redis.call('STRLEN', KEYS[i])
  if sum > max then return redis.error_reply('HOOKD_TOO_LARGE') end
end
return redis.call('MGET', unpack(KEYS))
)lua";
// unpack() is bounded by Lua's C stack (8000 values).
constexpr std::size_t kMaxBoundedMgetKeys = 4000;

std::string with_prelude(std::string_view body) { return std::string(kUsagePrelude) + std::string(body); }

KvError unexpected_reply(const redisReply& r, std::string_view command) {
  if (r.type == REDIS_REPLY_ERROR) {
    return kv_error(KvError::Code::kInternal,
                    fmt::format("Redis {}: {}", command, std::string_view(r.str, r.len)));
  }
  return kv_error(KvError::Code::kInternal,
                  fmt::format("Redis {}: unexpected reply type {}", command, r.type));
}

// Runs a write script (with kUsagePrelude) on the data key of (ns, key) and
// the namespace's usage keys; a quota refusal comes back as kQuota.
KvResult<Reply> write_script(const RedisKvOptions& options, detail::RedisPool& pool, std::string_view script,
                             std::string_view ns, std::string_view key,
                             std::span<const std::string_view> extra, Retry retry) {
  const std::string data = fmt::format("{}{}:{}", kKvKeyTag, ns, key);
  const std::string sizes = fmt::format("{}{}", kKvKeyTag, ns) + std::string("\0sizes", 6);
  const std::string total = fmt::format("{}{}", kKvKeyTag, ns) + std::string("\0bytes", 6);
  const std::string max_bytes = std::to_string(options.limits.max_namespace_bytes);
  const std::string max_keys = std::to_string(options.limits.max_namespace_keys);
  const std::string prefix = fmt::format("{}{}:", kKvKeyTag, ns);
  std::vector<std::string_view> args{"EVAL", script, "3",       data,     sizes,
                                     total,  key,    max_bytes, max_keys, prefix};
  args.insert(args.end(), extra.begin(), extra.end());
  auto reply = pool.command(args, retry);
  if (!reply) return reply;
  const redisReply& r = **reply;
  if (r.type == REDIS_REPLY_ERROR) {
    const std::string_view text(r.str, r.len);
    if (const auto at = text.find("HOOKD_QUOTA "); at != std::string_view::npos) {
      detail::NamespaceUsage usage;
      std::sscanf(std::string(text.substr(at + 12)).c_str(), "%lu %lu", &usage.bytes, &usage.keys);
      return std::unexpected(detail::quota_error(options.limits, ns, usage));
    }
  }
  return reply;
}

}  // namespace

std::string redis_glob_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

RedisKvStore::RedisKvStore(RedisKvOptions options)
    : options_(std::move(options)), pool_(std::make_unique<detail::RedisPool>(options_)) {}

RedisKvStore::~RedisKvStore() = default;

std::string RedisKvStore::redis_key(std::string_view ns, std::string_view key) const {
  return fmt::format("{}{}:{}", kKvKeyTag, ns, key);
}

KvResult<std::optional<std::string>> RedisKvStore::get(std::string_view ns, std::string_view key) {
  if (auto ok = check_key(options_.limits, ns, key); !ok) return std::unexpected(ok.error());
  const std::string k = redis_key(ns, key);
  const std::array<std::string_view, 2> args{"GET", k};
  auto reply = pool_->command(args, Retry::kIfIdempotent);
  if (!reply) return std::unexpected(reply.error());
  if ((*reply)->type == REDIS_REPLY_NIL) return std::optional<std::string>{};
  if ((*reply)->type != REDIS_REPLY_STRING) return std::unexpected(unexpected_reply(**reply, "GET"));
  return std::optional<std::string>{std::string((*reply)->str, (*reply)->len)};
}

// One MGET: a single round trip, and Redis runs it atomically, so the keys
// come from one moment as they do from an LMDB snapshot. With a byte bound,
// the MGET runs in a script that checks the sizes first.
KvResult<void> RedisKvStore::get_many(std::string_view ns, std::span<const std::string_view> keys,
                                      const ReadEach& each, std::uint64_t max_bytes) {
  if (auto ok = detail::check_namespace(ns); !ok) return ok;
  for (std::string_view key : keys) {
    if (auto ok = detail::check_key_bytes(options_.limits, key); !ok) return ok;
  }
  if (keys.empty()) return {};
  if (max_bytes != 0 && keys.size() > kMaxBoundedMgetKeys) {
    return std::unexpected(
        kv_error(KvError::Code::kInvalid,
                 fmt::format("Redis get_many: at most {} keys with a byte bound", kMaxBoundedMgetKeys)));
  }
  std::vector<std::string> names;
  names.reserve(keys.size());
  for (std::string_view key : keys) names.push_back(redis_key(ns, key));
  const std::string count = std::to_string(keys.size());
  const std::string bound = std::to_string(max_bytes);
  std::vector<std::string_view> args;
  args.reserve(keys.size() + 4);
  if (max_bytes == 0) {
    args.push_back("MGET");
  } else {
    args.insert(args.end(), {"EVAL", kBoundedMgetScript, count});
  }
  args.insert(args.end(), names.begin(), names.end());
  if (max_bytes != 0) args.push_back(bound);
  auto reply = pool_->command(args, Retry::kIfIdempotent);
  if (!reply) return std::unexpected(reply.error());
  const redisReply& r = **reply;
  if (r.type == REDIS_REPLY_ERROR &&
      std::string_view(r.str, r.len).find("HOOKD_TOO_LARGE") != std::string_view::npos) {
    return std::unexpected(detail::batch_too_large(max_bytes));
  }
  if (r.type != REDIS_REPLY_ARRAY || r.elements != keys.size())
    return std::unexpected(unexpected_reply(r, "MGET"));
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const redisReply& e = *r.element[i];
    if (e.type == REDIS_REPLY_NIL) {
      each(i, nullptr);
      continue;
    }
    if (e.type != REDIS_REPLY_STRING) return std::unexpected(unexpected_reply(e, "MGET"));
    const std::string_view value(e.str, e.len);
    each(i, &value);
  }
  return {};
}

KvResult<void> RedisKvStore::set(std::string_view ns, std::string_view key, std::string_view value,
                                 std::optional<std::chrono::milliseconds> ttl) {
  if (auto ok = check_key(options_.limits, ns, key); !ok) return ok;
  if (auto ok = detail::check_value(options_.limits, value); !ok) return ok;
  if (auto ok = detail::check_ttl(ttl); !ok) return ok;
  static const std::string script = with_prelude(kSetScript);
  const std::string ms = ttl ? std::to_string(ttl->count()) : std::string();
  const std::array<std::string_view, 2> extra{value, ms};
  auto reply = write_script(options_, *pool_, script, ns, key, extra, Retry::kIfIdempotent);
  if (!reply) return std::unexpected(reply.error());
  if ((*reply)->type != REDIS_REPLY_INTEGER) return std::unexpected(unexpected_reply(**reply, "SET"));
  return {};
}

KvResult<bool> RedisKvStore::del(std::string_view ns, std::string_view key) {
  if (auto ok = check_key(options_.limits, ns, key); !ok) return std::unexpected(ok.error());
  static const std::string script = with_prelude(kDelScript);
  // No retry: a DEL that ran before the connection broke would report false.
  auto reply = write_script(options_, *pool_, script, ns, key, {}, Retry::kNo);
  if (!reply) return std::unexpected(reply.error());
  if ((*reply)->type != REDIS_REPLY_INTEGER) return std::unexpected(unexpected_reply(**reply, "DEL"));
  return (*reply)->integer > 0;
}

KvResult<KvStore::Page> RedisKvStore::list(std::string_view ns, std::string_view prefix,
                                           std::string_view cursor, std::size_t limit) {
  auto page_size = detail::check_list(options_.limits, ns, prefix, cursor, limit);
  if (!page_size) return std::unexpected(page_size.error());
  const std::string ns_prefix = redis_key(ns, "");
  const std::string pattern = redis_glob_escape(ns_prefix) + redis_glob_escape(prefix) + "*";
  std::vector<std::string> keys;
  std::string scan_cursor = "0";
  do {
    const std::array<std::string_view, 6> args{"SCAN", scan_cursor, "MATCH", pattern, "COUNT", "1000"};
    auto reply = pool_->command(args, Retry::kIfIdempotent);
    if (!reply) return std::unexpected(reply.error());
    const redisReply& r = **reply;
    if (r.type != REDIS_REPLY_ARRAY || r.elements != 2 || r.element[0]->type != REDIS_REPLY_STRING ||
        r.element[1]->type != REDIS_REPLY_ARRAY) {
      return std::unexpected(unexpected_reply(r, "SCAN"));
    }
    scan_cursor.assign(r.element[0]->str, r.element[0]->len);
    const redisReply& batch = *r.element[1];
    for (std::size_t i = 0; i < batch.elements; ++i) {
      std::string_view full(batch.element[i]->str, batch.element[i]->len);
      if (!full.starts_with(ns_prefix)) continue;
      std::string_view key = full.substr(ns_prefix.size());
      if (!key.starts_with(prefix) || (!cursor.empty() && key <= cursor)) continue;
      keys.emplace_back(key);
    }
    if (keys.size() > options_.max_list_scan_keys) {
      return std::unexpected(kv_error(KvError::Code::kTooLarge,
                                      fmt::format("Redis list: more than {} keys match; use a longer prefix",
                                                  options_.max_list_scan_keys)));
    }
  } while (scan_cursor != "0");
  std::ranges::sort(keys);
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());  // SCAN may repeat keys
  Page page;
  if (keys.size() > *page_size) {
    keys.resize(*page_size);
    page.next_cursor = keys.back();
  }
  page.keys = std::move(keys);
  return page;
}

KvResult<std::int64_t> RedisKvStore::incr(std::string_view ns, std::string_view key, std::int64_t delta) {
  if (auto ok = check_key(options_.limits, ns, key); !ok) return std::unexpected(ok.error());
  static const std::string script = with_prelude(kIncrScript);
  const std::string d = std::to_string(delta);
  const std::array<std::string_view, 1> extra{d};
  auto reply = write_script(options_, *pool_, script, ns, key, extra, Retry::kNo);
  if (!reply) return std::unexpected(reply.error());
  const redisReply& r = **reply;
  if (r.type == REDIS_REPLY_STRING) {
    if (auto value = detail::parse_counter(std::string_view(r.str, r.len))) return *value;
  }
  if (r.type == REDIS_REPLY_ERROR) {
    std::string_view text(r.str, r.len);
    if (text.find("not an integer") != text.npos) {
      return std::unexpected(kv_error(KvError::Code::kInvalid, "KV value is not an integer"));
    }
    if (text.find("overflow") != text.npos) {
      return std::unexpected(kv_error(KvError::Code::kInvalid, "KV increment would overflow"));
    }
  }
  return std::unexpected(unexpected_reply(r, "INCRBY"));
}

KvResult<bool> RedisKvStore::cas(std::string_view ns, std::string_view key,
                                 std::optional<std::string_view> expected,
                                 std::optional<std::string_view> desired) {
  if (auto ok = check_key(options_.limits, ns, key); !ok) return std::unexpected(ok.error());
  if (desired) {
    if (auto ok = detail::check_value(options_.limits, *desired); !ok) return std::unexpected(ok.error());
  }
  static const std::string script = with_prelude(kCasScript);
  const std::array<std::string_view, 4> extra{expected ? "1" : "0", expected.value_or(""),
                                              desired ? "1" : "0", desired.value_or("")};
  auto reply = write_script(options_, *pool_, script, ns, key, extra, Retry::kNo);
  if (!reply) return std::unexpected(reply.error());
  if ((*reply)->type != REDIS_REPLY_INTEGER) return std::unexpected(unexpected_reply(**reply, "EVAL"));
  return (*reply)->integer == 1;
}

}  // namespace hookd::host
