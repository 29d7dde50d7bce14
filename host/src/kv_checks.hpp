// Input checks and counter arithmetic shared by every KvStore implementation,
// so the three backends reject and parse exactly the same things.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "hookd/host/kv_store.hpp"

namespace hookd::host::detail {

KvError kv_error(KvError::Code code, std::string message);

KvResult<void> check_namespace(std::string_view ns);
KvResult<void> check_key(const KvLimits& limits, std::string_view ns, std::string_view key);
/// check_key without the namespace, for a batch that checked it once.
KvResult<void> check_key_bytes(const KvLimits& limits, std::string_view key);
KvResult<void> check_value(const KvLimits& limits, std::string_view value);
// Longest TTL a store accepts: far from where now + TTL overflows.
inline constexpr std::chrono::milliseconds kMaxKvTtl = std::chrono::hours(24 * 365 * 100);
KvResult<void> check_ttl(std::optional<std::chrono::milliseconds> ttl);
/// Validates list() arguments and returns the effective page size.
KvResult<std::size_t> check_list(const KvLimits& limits, std::string_view ns, std::string_view prefix,
                                 std::string_view cursor, std::size_t limit);

/// What one namespace holds, for its quotas: the charge (key + value bytes)
/// and the number of its keys.
struct NamespaceUsage {
  std::uint64_t bytes = 0;
  std::uint64_t keys = 0;
};
inline std::uint64_t kv_charge(std::string_view key, std::string_view value) {
  return key.size() + value.size();
}
/// Whether a write fits the namespace's quotas: it replaces a key charged
/// `old_charge` (nullopt: the key is new) with one charged `new_charge`. A
/// write that neither adds a key nor grows the charge always fits.
bool fits_quota(const KvLimits& limits, const NamespaceUsage& usage, std::optional<std::uint64_t> old_charge,
                std::uint64_t new_charge);
/// The kQuota error for a write that did not fit.
KvError quota_error(const KvLimits& limits, std::string_view ns, const NamespaceUsage& usage);
/// `usage` after a write replacing old_charge with new_charge (or, with
/// new_charge nullopt, deleting the key). Never wraps below zero.
NamespaceUsage apply_write(NamespaceUsage usage, std::optional<std::uint64_t> old_charge,
                           std::optional<std::uint64_t> new_charge);
/// The kTooLarge error of a get_many whose values add up to more than max_bytes.
KvError batch_too_large(std::uint64_t max_bytes);

/// Parses a counter the way Redis does (string2ll): optional '-', no '+',
/// no spaces, no leading zeros, fits in int64. nullopt when it does not.
std::optional<std::int64_t> parse_counter(std::string_view text);
/// current + delta, or kInvalid on a non-integer current value or overflow.
KvResult<std::int64_t> add_to_counter(std::optional<std::string_view> current, std::int64_t delta);

}  // namespace hookd::host::detail
