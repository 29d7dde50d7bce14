#include "data_dir.hpp"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace hookd::server {
namespace fs = std::filesystem;

ServerResult<void> ensure_private_dir(const fs::path& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    if (!dir.parent_path().empty()) fs::create_directories(dir.parent_path(), ec);
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      return server_fail(ServerErrorKind::kStorage,
                         "cannot create directory " + dir.string() + ": " + std::strerror(errno));
    }
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    return server_fail(ServerErrorKind::kStorage,
                       "cannot stat " + dir.string() + ": " + std::strerror(errno));
  }
  if (!S_ISDIR(st.st_mode))
    return server_fail(ServerErrorKind::kStorage, dir.string() + " is not a directory");
  if ((st.st_mode & 0077) != 0) {
    if (::chmod(dir.c_str(), 0700) != 0) {
      return server_fail(ServerErrorKind::kStorage,
                         "cannot restrict " + dir.string() + " to mode 0700: " + std::strerror(errno));
    }
    spdlog::warn("directory {} was open to other users (mode {:04o}); restricted it to 0700", dir.string(),
                 st.st_mode & 07777);
  }
  return {};
}

}  // namespace hookd::server
