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

/// Parses a counter the way Redis does (string2ll): optional '-', no '+',
/// no spaces, no leading zeros, fits in int64. nullopt when it does not.
std::optional<std::int64_t> parse_counter(std::string_view text);
/// current + delta, or kInvalid on a non-integer current value or overflow.
KvResult<std::int64_t> add_to_counter(std::optional<std::string_view> current, std::int64_t delta);

}  // namespace hookd::host::detail
