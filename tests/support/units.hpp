// Byte units for tests' limits and payload sizes.
#pragma once

#include <cstdint>

namespace hookd::test {

inline constexpr uint64_t kKiB = 1024;
inline constexpr uint64_t kMiB = 1024 * kKiB;

}  // namespace hookd::test
