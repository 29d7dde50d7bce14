// [fetch]: the outbound HTTP client the fetch host function uses.
#include "fields/kinds.hpp"
#include "fields/ranges.hpp"
#include "fields/sections.hpp"

namespace hookd::config::detail {

std::vector<FieldSpec<Config>> fetch_fields() {
  using C = Config;
  return {
      string<C>(
          "fetch", "extra_ca_file", kMaxPathLength, [](auto& c) -> auto& { return c.fetch.extra_ca_file; }),
      integer<C>(
          "fetch", "connect_timeout_ms", kNetworkTimeoutMs,
          [](auto& c) -> auto& { return c.fetch.connect_timeout; }),
      integer<C>(
          "fetch", "total_timeout_ms", {1, 3'600'000},
          [](auto& c) -> auto& { return c.fetch.total_timeout; }),
      integer<C>(
          "fetch", "max_response_bytes", {1, 1'073'741'824},
          [](auto& c) -> auto& { return c.fetch.max_response_bytes; }),
      integer<C>(
          "fetch", "max_redirects", {0, 20}, [](auto& c) -> auto& { return c.fetch.max_redirects; }),
  };
}

}  // namespace hookd::config::detail
