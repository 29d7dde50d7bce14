// Which hookd this is: the release version (CMake's project version) and the
// git commit it was built from ("unknown" when built outside a checkout).
// Shown by `hookd --version`, `GET /admin/version` and the
// `hookd_build_info{version,commit}` metric.
#pragma once

#include <string_view>

namespace hookd::server {

struct BuildInfo {
  std::string_view version;
  std::string_view commit;
};

BuildInfo build_info();

}  // namespace hookd::server
