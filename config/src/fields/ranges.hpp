// Ranges and lengths that more than one section uses (a plugin's limits and
// their defaults, network timeouts, paths, secrets).
#pragma once

#include <cstddef>

#include "value_rules.hpp"

namespace hookd::config::detail {

inline constexpr IntRange kMemoryPages{1, 65'536};
inline constexpr IntRange kDeadlineMs{1, 600'000};
inline constexpr IntRange kConcurrency{1, 1'000'000};
inline constexpr IntRange kWorkerShare{1, 100};
inline constexpr IntRange kNetworkTimeoutMs{1, 600'000};
inline constexpr std::size_t kMaxPathLength = 4096;
inline constexpr std::size_t kMaxSecretLength = 1024;

}  // namespace hookd::config::detail
