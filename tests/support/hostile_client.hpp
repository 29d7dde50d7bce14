// Hostile clients for the hardening tests: endless bytes the server should
// refuse early, and the process's resident memory to show it did not keep them.
#pragma once

#include <gtest/gtest.h>
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

// A header that never ends: `start` (its request line and any fields), then
// field lines whose names have `name_chars` characters ("a:\r\n" for 1,
// "aa:\r\n" for 2, ...), up to `total` bytes and never past a whole line.
// Beast consumes each whole line, so its header_limit alone never trips.
inline std::string tiny_header_lines(std::string_view start, size_t name_chars, size_t total) {
  std::string out(start);
  const std::string line = std::string(name_chars, 'a') + ":\r\n";
  while (out.size() + line.size() <= total) out += line;
  return out;
}

// A request line of `length` bytes with its CRLF, for `path` (padded with a
// query string): the bytes before the first field line.
inline std::string request_line(std::string_view method, std::string_view path, size_t length) {
  const std::string tail = " HTTP/1.1\r\n";
  std::string line = std::string(method) + " " + std::string(path) + "?";
  while (line.size() + tail.size() < length) line += 'q';
  return line + tail;
}

// Sends headers that never end, a line or so past the limit, in one write
// each (the server reads it whole, so its close cannot reset the answer
// away), and expects a 431 and the close: the server refused after about
// the limit's bytes, without waiting for more. Field names of 1 to 8
// characters (lines of 4 to 11 bytes), after request lines of every length
// modulo 4: `target` then `fields`.
inline void expect_431_just_past_the_limit(uint16_t port, std::string_view target, std::string_view fields,
                                           size_t limit) {
  for (size_t name = 1; name <= 8; ++name) {
    for (size_t length = 40; length < 44; ++length) {
      const std::string head =
          tiny_header_lines(request_line("GET", target, length) + std::string(fields), name, limit + 16);
      TcpConnection c(port);
      ASSERT_FALSE(c.connect());
      ASSERT_FALSE(c.write(head));
      auto r = c.read_response();
      ASSERT_TRUE(r.has_value()) << "no answer to " << head.size() << " header bytes in lines of " << name + 3
                                 << " after a request line of " << length << ": " << r.error().message();
      EXPECT_EQ(r->result_int(), 431) << name << " " << length;
      EXPECT_FALSE(r->keep_alive());
      EXPECT_TRUE(closed_by_server(c.wait_for_close()));
    }
  }
}

}  // namespace hookd::test
