// A session's body buffers are reused from one request (or message) to the
// next, so a warm connection copies a body without allocating; one that grew
// past kKeptBufferBytes is freed instead, so an idle connection holds little.
#pragma once

#include <cstddef>
#include <string>

namespace hookd::server {

inline constexpr std::size_t kKeptBufferBytes = 16 * 1024;

// Empties `buffer`, keeping its capacity only when it is at most
// kKeptBufferBytes.
inline void keep_for_reuse(std::string& buffer) {
  buffer.clear();
  if (buffer.capacity() > kKeptBufferBytes) std::string().swap(buffer);
}

}  // namespace hookd::server
