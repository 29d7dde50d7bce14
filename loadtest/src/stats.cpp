#include "hookd/load/stats.hpp"

#include <numeric>

namespace hookd::load {

std::string_view to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::connect:
      return "connect";
    case ErrorKind::read:
      return "read";
    case ErrorKind::write:
      return "write";
    case ErrorKind::timeout:
      return "timeout";
    case ErrorKind::protocol:
      return "protocol";
    case ErrorKind::closed:
      return "closed";
  }
  return "unknown";
}

std::uint64_t Stats::error_total() const {
  return std::accumulate(errors.begin(), errors.end(), std::uint64_t{0});
}

void Stats::merge(const Stats& other) {
  // Different digit settings would be a programming error inside the runner;
  // fall back to keeping this histogram rather than aborting a finished run.
  (void)latency.merge(other.latency);
  requests += other.requests;
  responses += other.responses;
  bytes_received += other.bytes_received;
  for (std::size_t i = 0; i < status.size(); ++i) status[i] += other.status[i];
  for (std::size_t i = 0; i < errors.size(); ++i) errors[i] += other.errors[i];
}

void Stats::reset() {
  latency.reset();
  requests = responses = bytes_received = 0;
  status.fill(0);
  errors.fill(0);
}

}  // namespace hookd::load
