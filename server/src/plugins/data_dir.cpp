#include "plugins/data_dir.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "plugins/plugin_store.hpp"  // write_file_durably

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

namespace {

constexpr size_t kMaxTokenBytes = 1024;  // server.admin_token's bound

ServerResult<std::string> read_token(int fd, const fs::path& file) {
  auto bad = [&](const std::string& why) {
    return server_fail(ServerErrorKind::kStorage, "admin token file " + file.string() + " " + why +
                                                      "; delete it to generate a new token");
  };
  struct stat st {};
  if (::fstat(fd, &st) != 0) return bad(std::string("cannot be read: ") + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return bad("is not a regular file");
  if (st.st_size > static_cast<off_t>(kMaxTokenBytes + 2)) return bad("is too long");
  if ((st.st_mode & 0077) != 0) {
    if (::fchmod(fd, 0600) != 0) return bad(std::string("is open to other users: ") + std::strerror(errno));
    spdlog::warn("admin token file {} was open to other users (mode {:04o}); restricted it to 0600",
                 file.string(), st.st_mode & 07777);
  }
  char buf[kMaxTokenBytes + 3];
  size_t got = 0;
  while (got < sizeof buf) {
    const ssize_t n = ::read(fd, buf + got, sizeof buf - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return bad(std::string("cannot be read: ") + std::strerror(errno));
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  std::string token(buf, got);
  // A file an operator wrote with echo ends in a newline.
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  if (token.empty()) return bad("is empty");
  if (token.size() > kMaxTokenBytes) return bad("is too long");
  const bool printable = std::ranges::all_of(token, [](unsigned char c) { return c > 0x20 && c < 0x7f; });
  if (!printable) return bad("holds characters other than printable ASCII");
  return token;
}

}  // namespace

ServerResult<StoredToken> load_or_create_token(const fs::path& file,
                                               const std::function<std::string()>& generate) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd >= 0) {
    auto token = read_token(fd, file);
    ::close(fd);
    if (!token) return std::unexpected(token.error());
    return StoredToken{std::move(*token), false};
  }
  if (errno != ENOENT) {
    return server_fail(ServerErrorKind::kStorage, "cannot open the admin token file " + file.string() + ": " +
                                                      std::strerror(errno) +
                                                      (errno == ELOOP ? " (a symlink is refused)" : ""));
  }
  std::string token = generate();
  if (token.empty()) return server_fail(ServerErrorKind::kEntropy, "cannot generate an admin token");
  const std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(token.data()), token.size());
  if (auto r = write_file_durably(file, bytes, 0600); !r) return std::unexpected(r.error());
  return StoredToken{std::move(token), true};
}

}  // namespace hookd::server
