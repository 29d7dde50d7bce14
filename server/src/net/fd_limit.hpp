// The open-file limit the gateway needs: every connection is a descriptor,
// and so are plugin files, the KV store, logs and outbound fetches.
#pragma once

#include <cstdint>

#include "hookd/config/config.hpp"

namespace hookd::server {

// Descriptors kept for everything that is not a client connection.
inline constexpr std::uint64_t kFdHeadroom = 256;

struct FdLimit {
  std::uint64_t soft = 0;    // the soft limit after raising it
  std::uint64_t needed = 0;  // max_connections + admin_max_connections + kFdHeadroom
  [[nodiscard]] bool fits() const { return soft >= needed; }
};

// Raises RLIMIT_NOFILE's soft limit to the hard limit, and warns when the
// connection caps cannot fit under it.
FdLimit raise_fd_limit(const config::LimitsConfig& limits);

}  // namespace hookd::server
