#include "kv_checks.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>

namespace hookd::host {

std::string_view to_string(KvError::Code code) {
  switch (code) {
    case KvError::Code::kNotFound:
      return "not_found";
    case KvError::Code::kConflict:
      return "conflict";
    case KvError::Code::kTooLarge:
      return "too_large";
    case KvError::Code::kFull:
      return "full";
    case KvError::Code::kUnavailable:
      return "unavailable";
    case KvError::Code::kTimeout:
      return "timeout";
    case KvError::Code::kInvalid:
      return "invalid";
    case KvError::Code::kInternal:
      return "internal";
    case KvError::Code::kQuota:
      return "quota";
  }
  return "unknown";
}

namespace detail {

namespace {
constexpr std::size_t kMaxNamespaceBytes = 64;

// Checked on every KV call: one table lookup per character.
constexpr std::array<bool, 256> kNamespaceChars = [] {
  std::array<bool, 256> t{};
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  t['_'] = t['-'] = true;
  return t;
}();

bool namespace_char(char c) { return kNamespaceChars[static_cast<unsigned char>(c)]; }
}  // namespace

KvError kv_error(KvError::Code code, std::string message) { return KvError{code, std::move(message)}; }

KvResult<void> check_namespace(std::string_view ns) {
  if (ns.empty() || ns.size() > kMaxNamespaceBytes) {
    return std::unexpected(kv_error(KvError::Code::kInvalid, "KV namespace must be 1-64 characters"));
  }
  for (char c : ns) {
    if (!namespace_char(c)) {
      return std::unexpected(
          kv_error(KvError::Code::kInvalid, "KV namespace may only contain [A-Za-z0-9_-]"));
    }
  }
  return {};
}

KvResult<void> check_key(const KvLimits& limits, std::string_view ns, std::string_view key) {
  if (auto ok = check_namespace(ns); !ok) return ok;
  return check_key_bytes(limits, key);
}

KvResult<void> check_key_bytes(const KvLimits& limits, std::string_view key) {
  if (key.empty()) return std::unexpected(kv_error(KvError::Code::kInvalid, "KV key must not be empty"));
  if (key.size() > limits.max_key_bytes) {
    return std::unexpected(
        kv_error(KvError::Code::kTooLarge,
                 fmt::format("KV key is {} bytes; the limit is {}", key.size(), limits.max_key_bytes)));
  }
  return {};
}

KvResult<void> check_value(const KvLimits& limits, std::string_view value) {
  if (value.size() > limits.max_value_bytes) {
    return std::unexpected(
        kv_error(KvError::Code::kTooLarge,
                 fmt::format("KV value is {} bytes; the limit is {}", value.size(), limits.max_value_bytes)));
  }
  return {};
}

KvResult<void> check_ttl(std::optional<std::chrono::milliseconds> ttl) {
  if (ttl && ttl->count() <= 0) {
    return std::unexpected(kv_error(KvError::Code::kInvalid, "KV TTL must be positive"));
  }
  // Expiry times are now + TTL in nanoseconds (memory) or milliseconds
  // (LMDB): a TTL near the type's maximum overflowed (found by fuzzing).
  if (ttl && *ttl > kMaxKvTtl) {
    return std::unexpected(kv_error(KvError::Code::kInvalid, "KV TTL must be at most 100 years"));
  }
  return {};
}

KvResult<std::size_t> check_list(const KvLimits& limits, std::string_view ns, std::string_view prefix,
                                 std::string_view cursor, std::size_t limit) {
  if (auto ok = check_namespace(ns); !ok) return std::unexpected(ok.error());
  if (prefix.size() > limits.max_key_bytes || cursor.size() > limits.max_key_bytes) {
    return std::unexpected(kv_error(KvError::Code::kTooLarge, "KV list prefix or cursor longer than a key"));
  }
  if (limit == 0) return std::unexpected(kv_error(KvError::Code::kInvalid, "KV list limit must be > 0"));
  return std::min(limit, limits.max_page_keys);
}

bool fits_quota(const KvLimits& limits, const NamespaceUsage& usage, std::optional<std::uint64_t> old_charge,
                std::uint64_t new_charge) {
  const bool adds_key = !old_charge.has_value();
  const std::uint64_t old = old_charge.value_or(0);
  if (!adds_key && new_charge <= old) return true;
  const std::uint64_t base = usage.bytes > old ? usage.bytes - old : 0;
  if (limits.max_namespace_bytes != 0 && base + new_charge > limits.max_namespace_bytes) return false;
  if (adds_key && limits.max_namespace_keys != 0 && usage.keys + 1 > limits.max_namespace_keys) return false;
  return true;
}

KvError quota_error(const KvLimits& limits, std::string_view ns, const NamespaceUsage& usage) {
  return kv_error(
      KvError::Code::kQuota,
      fmt::format("quota exceeded: namespace {} holds {} bytes in {} keys; its quota is {} bytes, {} keys",
                  ns, usage.bytes, usage.keys, limits.max_namespace_bytes, limits.max_namespace_keys));
}

NamespaceUsage apply_write(NamespaceUsage usage, std::optional<std::uint64_t> old_charge,
                           std::optional<std::uint64_t> new_charge) {
  if (old_charge) {
    usage.bytes -= std::min(usage.bytes, *old_charge);
    usage.keys -= std::min<std::uint64_t>(usage.keys, 1);
  }
  if (new_charge) {
    usage.bytes += *new_charge;
    usage.keys += 1;
  }
  return usage;
}

KvError batch_too_large(std::uint64_t max_bytes) {
  return kv_error(
      KvError::Code::kTooLarge,
      fmt::format("KV values of this batch add up to more than {} bytes (the plugin's memory)", max_bytes));
}

std::optional<std::int64_t> parse_counter(std::string_view text) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  std::string_view digits = text.front() == '-' ? text.substr(1) : text;
  if (digits.empty() || (digits.front() == '0' && text.size() > 1)) return std::nullopt;  // "-0", "01"
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

KvResult<std::int64_t> add_to_counter(std::optional<std::string_view> current, std::int64_t delta) {
  std::int64_t base = 0;
  if (current) {
    auto parsed = parse_counter(*current);
    if (!parsed) return std::unexpected(kv_error(KvError::Code::kInvalid, "KV value is not an integer"));
    base = *parsed;
  }
  std::int64_t sum = 0;
  if (__builtin_add_overflow(base, delta, &sum)) {
    return std::unexpected(kv_error(KvError::Code::kInvalid, "KV increment would overflow"));
  }
  return sum;
}

}  // namespace detail
}  // namespace hookd::host
