// X-Request-Id: taken from the client (or proxy) when it is sane, otherwise
// generated without a system call: a random per-worker prefix and a counter.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "hookd/server/gateway_parts.hpp"

namespace hookd::server {

class RequestIdGenerator {
 public:
  // The prefix is random (from `entropy`, or from this object's address when
  // it has none).
  explicit RequestIdGenerator(RandomSource& entropy);
  std::string next();
  // The same, into `out` (its buffer reused: no allocation on a warm one).
  void next(std::string& out);

 private:
  char prefix_[13]{};
  uint64_t counter_ = 0;
};

// Accepts 1..128 characters of [A-Za-z0-9._:-].
bool acceptable_request_id(std::string_view id);

}  // namespace hookd::server
