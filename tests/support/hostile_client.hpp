// Hostile clients for the hardening tests: endless bytes the server should
// refuse early, and the process's resident memory to show it did not keep them.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <string>
#include <string_view>
#include <thread>

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

// Sends headers of tiny lines that never end, two lines past `limit`, the
// way that slipped past Beast's header_limit: in writes of about 512 bytes
// that each end two bytes into a line. Beast parses every whole line whose
// next byte it sees and keeps the 2 bytes (under 3, so it does not wait for
// the header's end either); its limit is compared only with what it keeps.
// Everything past the limit goes in the last write, so the server has read
// all of it when it refuses (its close cannot reset the answer away).
// Expects a 431 and the close, for field names of 1 to 8 characters (lines
// of 4 to 11 bytes) after request lines of every length modulo 4: `target`,
// then `fields`.
inline void expect_431_just_past_the_limit(uint16_t port, std::string_view target, std::string_view fields,
                                           size_t limit) {
  constexpr size_t kPiece = 512;
  for (size_t name = 1; name <= 8; ++name) {
    const size_t line = name + 3;
    for (size_t length = 40; length < 44; ++length) {
      const std::string start = request_line("GET", target, length) + std::string(fields);
      const std::string head = tiny_header_lines(start, name, limit + 2 * line);
      TcpConnection c(port);
      ASSERT_FALSE(c.connect());
      size_t from = 0;
      for (size_t cut = start.size() + 2; from < head.size(); cut += line * (kPiece / line)) {
        const size_t to = cut >= limit ? head.size() : cut;
        ASSERT_FALSE(c.write(std::string_view(head).substr(from, to - from))) << "refused before the limit";
        from = to;
        // Each piece parsed on its own, as the attack arranged: the old code
        // then never had more than its limit unparsed.
        std::this_thread::sleep_for(std::chrono::microseconds(200));
      }
      auto r = c.read_response();
      ASSERT_TRUE(r.has_value()) << "no answer to " << head.size() << " header bytes in lines of " << line
                                 << " after a request line of " << length << ": " << r.error().message();
      EXPECT_EQ(r->result_int(), 431) << name << " " << length;
      EXPECT_FALSE(r->keep_alive());
      EXPECT_TRUE(closed_by_server(c.wait_for_close()));
    }
  }
}

}  // namespace hookd::test
