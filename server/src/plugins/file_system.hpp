// The system calls a durable write makes (plugin_store.hpp), behind a seam:
// the real ones by default, and in tests one that fails a step as a full or
// failing disk would, to prove a failed write leaves the old file intact.
#pragma once

#include <sys/types.h>

#include <cstddef>

namespace hookd::server {

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  // As write(2), fsync(2) and rename(2): -1 with errno set on failure.
  virtual ssize_t write(int fd, const void* data, size_t size);
  virtual int fsync(int fd);
  virtual int rename(const char* from, const char* to);
};

// The real calls (shared: it has no state).
FileSystem& system_file_system();

}  // namespace hookd::server
