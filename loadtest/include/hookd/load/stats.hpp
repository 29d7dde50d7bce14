// What a run measured: counts, status tallies, errors by kind and latency.
// Each worker thread owns its own Stats; they merge at the end, so recording
// takes no locks.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "hookd/load/histogram.hpp"

namespace hookd::load {

/// Why a request failed. Every failed request is counted under exactly one.
enum class ErrorKind : unsigned { connect, read, write, timeout, protocol, closed };
inline constexpr std::size_t kErrorKinds = 6;
std::string_view to_string(ErrorKind kind);

struct Stats {
  Stats() : Stats(3) {}
  explicit Stats(int histogram_digits) : latency(histogram_digits) {}

  Histogram latency;                        // ns; successful responses only
  std::uint64_t requests = 0;               // finished: responses plus errors
  std::uint64_t responses = 0;              // HTTP responses (any status) or WebSocket replies
  std::uint64_t bytes_received = 0;         // response bytes as parsed (head and body)
  std::array<std::uint64_t, 600> status{};  // by HTTP status code
  std::array<std::uint64_t, kErrorKinds> errors{};

  std::uint64_t error_total() const;
  std::uint64_t error_count(ErrorKind kind) const { return errors[static_cast<unsigned>(kind)]; }
  void merge(const Stats& other);
  void reset();
};

}  // namespace hookd::load
