// [engine] and [plugin_defaults]: how plugins are compiled, and the limits a
// plugin runs under unless its own settings say otherwise.
#include "fields/kinds.hpp"
#include "fields/ranges.hpp"
#include "fields/sections.hpp"

namespace hookd::config::detail {

std::vector<FieldSpec<Config>> plugin_runtime_fields() {
  using C = Config;
  return {
      choice<C>(
          "engine", "compile", kEngineCompiles, [](auto& c) -> auto& { return c.engine.compile; }),
      integer<C>(
          "plugin_defaults", "max_memory_pages", kMemoryPages,
          [](auto& c) -> auto& { return c.plugin_defaults.max_memory_pages; }),
      integer<C>(
          "plugin_defaults", "deadline_ms", kDeadlineMs,
          [](auto& c) -> auto& { return c.plugin_defaults.deadline; }),
      integer<C>(
          "plugin_defaults", "max_concurrency", kConcurrency,
          [](auto& c) -> auto& { return c.plugin_defaults.max_concurrency; }),
      integer<C>(
          "plugin_defaults", "max_worker_share", kWorkerShare,
          [](auto& c) -> auto& { return c.plugin_defaults.max_worker_share; }),
  };
}

}  // namespace hookd::config::detail
