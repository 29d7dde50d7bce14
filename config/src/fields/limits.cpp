// [limits]: what one request, connection, WebSocket or module may use.
#include "fields/kinds.hpp"
#include "fields/sections.hpp"
#include "routes.hpp"

namespace hookd::config::detail {

std::vector<FieldSpec<Config>> limits_fields() {
  using C = Config;
  return {
      integer<C>(
          "limits", "max_header_bytes", {512, 1'048'576},
          [](auto& c) -> auto& { return c.limits.max_header_bytes; }),
      integer<C>(
          "limits", "max_header_fields", {1, 10'000},
          [](auto& c) -> auto& { return c.limits.max_header_fields; }),
      integer<C>(
          "limits", "max_body_bytes", {0, 4'294'967'296},
          [](auto& c) -> auto& { return c.limits.max_body_bytes; }),
      integer<C>(
          "limits", "max_connections", {1, 1'000'000},
          [](auto& c) -> auto& { return c.limits.max_connections; }),
      integer<C>(
          "limits", "read_timeout_ms", {1, 3'600'000},
          [](auto& c) -> auto& { return c.limits.read_timeout; }),
      integer<C>(
          "limits", "idle_timeout_ms", {1, 86'400'000},
          [](auto& c) -> auto& { return c.limits.idle_timeout; }),
      integer<C>(
          "limits", "queue_depth", {1, 1'000'000}, [](auto& c) -> auto& { return c.limits.queue_depth; }),
      integer<C>(
          "limits", "blocking_threads", {1, 256}, [](auto& c) -> auto& { return c.limits.blocking_threads; }),
      integer<C>(
          "limits", "ws_max_message_bytes", {1, 1'073'741'824},
          [](auto& c) -> auto& { return c.limits.ws_max_message_bytes; }),
      integer<C>(
          "limits", "ws_idle_timeout_ms", {1, 86'400'000},
          [](auto& c) -> auto& { return c.limits.ws_idle_timeout; }),
      integer<C>(
          "limits", "ws_ping_interval_ms", {0, 3'600'000},
          [](auto& c) -> auto& { return c.limits.ws_ping_interval; }),
      boolean<C>(
          "limits", "ws_permessage_deflate", [](auto& c) -> auto& { return c.limits.ws_permessage_deflate; }),
      integer<C>(
          "limits", "admin_max_connections", {1, 100'000},
          [](auto& c) -> auto& { return c.limits.admin_max_connections; }),
      integer<C>(
          "limits", "write_timeout_ms", {1, 3'600'000},
          [](auto& c) -> auto& { return c.limits.write_timeout; }),
      integer<C>(
          "limits", "max_response_bytes", {1024, 1'073'741'824},
          [](auto& c) -> auto& { return c.limits.max_response_bytes; }),
      integer<C>(
          "limits", "max_buffered_response_bytes", {1024, 68'719'476'736},
          [](auto& c) -> auto& { return c.limits.max_buffered_response_bytes; }),
      integer<C>(
          "limits", "max_buffered_request_bytes", {1024, 68'719'476'736},
          [](auto& c) -> auto& { return c.limits.max_buffered_request_bytes; }),
      integer<C>(
          "limits", "max_module_bytes", {1024, 1'073'741'824},
          [](auto& c) -> auto& { return c.limits.max_module_bytes; }),
      integer<C>(
          "limits", "isolate_heap_mb", {16, 65'536},
          [](auto& c) -> auto& { return c.limits.isolate_heap_mb; }),
      integer<C>(
          "limits", "max_routes", {1, static_cast<std::int64_t>(kMaxRoutesListed)},
          [](auto& c) -> auto& { return c.limits.max_routes; }),
  };
}

}  // namespace hookd::config::detail
