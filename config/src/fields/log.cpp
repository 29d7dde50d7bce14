// [log]: the level and format of hookd's log, and the access log.
#include "fields/kinds.hpp"
#include "fields/ranges.hpp"
#include "fields/sections.hpp"

namespace hookd::config::detail {

std::vector<FieldSpec<Config>> log_fields() {
  using C = Config;
  return {
      choice<C>(
          "log", "level", kLogLevels, [](auto& c) -> auto& { return c.log.level; }),
      choice<C>(
          "log", "format", kLogFormats, [](auto& c) -> auto& { return c.log.format; }),
      boolean<C>(
          "log", "access_log", [](auto& c) -> auto& { return c.log.access_log; }),
      string<C>(
          "log", "access_log_file", kMaxPathLength, [](auto& c) -> auto& { return c.log.access_log_file; }),
      integer<C>(
          "log", "access_log_flush_ms", {1, 60'000},
          [](auto& c) -> auto& { return c.log.access_log_flush_interval; }),
      boolean<C>(
          "log", "websocket_messages", [](auto& c) -> auto& { return c.log.websocket_messages; }),
  };
}

}  // namespace hookd::config::detail
