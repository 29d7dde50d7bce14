#include "net/fd_limit.hpp"

#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstring>

namespace hookd::server {

FdLimit raise_fd_limit(const config::LimitsConfig& limits) {
  FdLimit out;
  out.needed = std::uint64_t{limits.max_connections} + limits.admin_max_connections + kFdHeadroom;
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
    spdlog::warn("cannot read the open-file limit: {}", std::strerror(errno));
    return out;
  }
  if (rl.rlim_cur < rl.rlim_max) {
    const rlim_t before = rl.rlim_cur;
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
      spdlog::warn("cannot raise the open-file limit from {} to {}: {}", before, rl.rlim_max,
                   std::strerror(errno));
      rl.rlim_cur = before;
    }
  }
  out.soft = rl.rlim_cur == RLIM_INFINITY ? UINT64_MAX : static_cast<std::uint64_t>(rl.rlim_cur);
  if (!out.fits()) {
    spdlog::warn(
        "open-file limit {} is below the {} descriptors that limits.max_connections ({}) + "
        "limits.admin_max_connections ({}) + {} for files and outbound connections need: accepts will fail "
        "under load; raise the hard limit (ulimit -Hn, systemd LimitNOFILE=) or lower max_connections",
        out.soft, out.needed, limits.max_connections, limits.admin_max_connections, kFdHeadroom);
  }
  return out;
}

}  // namespace hookd::server
