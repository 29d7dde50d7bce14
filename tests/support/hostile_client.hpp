// Hostile clients for the hardening tests: endless bytes the server should
// refuse early, and the process's resident memory to show it did not keep them.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <string>
#include <string_view>

#include "bounded_io.hpp"

namespace hookd::test {

// Resident set size of this process (the gateway runs in it), in bytes.
inline uint64_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
}

struct Flood {
  uint64_t sent = 0;           // bytes the connection took before it failed
  uint64_t peak_resident = 0;  // resident_bytes() when the sending stopped
  std::expected<TcpConnection::Response, error_code> response = std::unexpected(error_code{});
};

// Sends `head`, then `filler` again and again up to `max_bytes` in all, for as
// long as the connection takes it; then reads the server's answer.
inline Flood flood(uint16_t port, std::string_view head, std::string_view filler, uint64_t max_bytes) {
  Flood out;
  TcpConnection c(port, std::chrono::seconds(10));
  if (auto ec = c.connect()) {
    out.response = std::unexpected(ec);
    return out;
  }
  std::string block;
  while (block.size() < 64 * 1024) block += filler;
  error_code ec = c.write(head);
  if (!ec) out.sent += head.size();
  while (!ec && out.sent < max_bytes) {
    ec = c.write(block);
    if (!ec) out.sent += block.size();
  }
  out.peak_resident = resident_bytes();
  out.response = c.read_response();
  return out;
}

}  // namespace hookd::test
