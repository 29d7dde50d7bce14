#include "hookd/host/redis_kv_store.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "kv_checks.hpp"
#include "redis/redis_pool.hpp"

namespace hookd::host {

using detail::check_key;
using detail::kv_error;
using detail::Reply;
using detail::Retry;

namespace {

// KEYS[1]; ARGV: has_expected ("1"/"0"), expected, has_desired, desired.
// GET returns false for a missing (or expired) key, which never equals a string.
constexpr std::string_view kCasScript = R"lua(
local cur = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
  if cur ~= ARGV[2] then return 0 end
elseif cur then
  return 0
end
if ARGV[3] == '1' then redis.call('SET', KEYS[1], ARGV[4]) else redis.call('DEL', KEYS[1]) end
return 1
)lua";

KvError unexpected_reply(const redisReply& r, std::string_view command) {
  if (r.type == REDIS_REPLY_ERROR) {
    return kv_error(KvError::Code::kInternal,
                    fmt::format("Redis {}: {}", command, std::string_view(r.str, r.len)));
  }
  return kv_error(KvError::Code::kInternal,
                  fmt::format("Redis {}: unexpected reply type {}", command, r.type));
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
  return fmt::format("{}{}:{}", options_.key_prefix, ns, key);
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
// come from one moment as they do from an LMDB snapshot.
KvResult<void> RedisKvStore::get_many(std::string_view ns, std::span<const std::string_view> keys,
                                      const ReadEach& each) {
  if (auto ok = detail::check_namespace(ns); !ok) return ok;
  for (std::string_view key : keys) {
    if (auto ok = detail::check_key_bytes(options_.limits, key); !ok) return ok;
  }
  if (keys.empty()) return {};
  std::vector<std::string> names;
  names.reserve(keys.size());
  for (std::string_view key : keys) names.push_back(redis_key(ns, key));
  std::vector<std::string_view> args;
  args.reserve(keys.size() + 1);
  args.push_back("MGET");
  args.insert(args.end(), names.begin(), names.end());
  auto reply = pool_->command(args, Retry::kIfIdempotent);
  if (!reply) return std::unexpected(reply.error());
  const redisReply& r = **reply;
  if (r.type != REDIS_REPLY_ARRAY || r.elements != keys.size()) return std::unexpected(unexpected_reply(r, "MGET"));
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
  const std::string k = redis_key(ns, key);
  const std::string ms = ttl ? std::to_string(ttl->count()) : std::string();
  std::vector<std::string_view> args{"SET", k, value};
  if (ttl) args.insert(args.end(), {"PX", ms});
  auto reply = pool_->command(args, Retry::kIfIdempotent);
  if (!reply) return std::unexpected(reply.error());
  if ((*reply)->type != REDIS_REPLY_STATUS) return std::unexpected(unexpected_reply(**reply, "SET"));
  return {};
}

KvResult<bool> RedisKvStore::del(std::string_view ns, std::string_view key) {
  if (auto ok = check_key(options_.limits, ns, key); !ok) return std::unexpected(ok.error());
  const std::string k = redis_key(ns, key);
  const std::array<std::string_view, 2> args{"DEL", k};
  // No retry: a DEL that ran before the connection broke would report false.
  auto reply = pool_->command(args, Retry::kNo);
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
  const std::string k = redis_key(ns, key);
  const std::string d = std::to_string(delta);
  const std::array<std::string_view, 3> args{"INCRBY", k, d};
  auto reply = pool_->command(args, Retry::kNo);
  if (!reply) return std::unexpected(reply.error());
  const redisReply& r = **reply;
  if (r.type == REDIS_REPLY_INTEGER) return r.integer;
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
  const std::string k = redis_key(ns, key);
  const std::array<std::string_view, 8> args{"EVAL",
                                             kCasScript,
                                             "1",
                                             k,
                                             expected ? "1" : "0",
                                             expected.value_or(""),
                                             desired ? "1" : "0",
                                             desired.value_or("")};
  auto reply = pool_->command(args, Retry::kNo);
  if (!reply) return std::unexpected(reply.error());
  if ((*reply)->type != REDIS_REPLY_INTEGER) return std::unexpected(unexpected_reply(**reply, "EVAL"));
  return (*reply)->integer == 1;
}

}  // namespace hookd::host
