#include "plugins/file_system.hpp"

#include <unistd.h>

#include <cstdio>

namespace hookd::server {

ssize_t FileSystem::write(int fd, const void* data, size_t size) { return ::write(fd, data, size); }

int FileSystem::fsync(int fd) { return ::fsync(fd); }

int FileSystem::rename(const char* from, const char* to) { return ::rename(from, to); }

FileSystem& system_file_system() {
  static FileSystem real;
  return real;
}

}  // namespace hookd::server
