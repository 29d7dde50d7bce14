// [tracing]: W3C Trace Context, sampling, and the OTLP/HTTP exporter
// (docs/tracing.md).
#include "fields/kinds.hpp"
#include "fields/sections.hpp"
#include "fields/string_checks.hpp"
#include "hookd/config/http_endpoint.hpp"

namespace hookd::config::detail {
namespace {

// Empty (tracing off), or an endpoint parse_http_endpoint takes.
std::expected<std::string, std::string> check_collector_url(std::string text) {
  if (text.empty()) return text;
  if (auto endpoint = parse_http_endpoint(text); !endpoint) return std::unexpected(endpoint.error());
  return text;
}

}  // namespace

std::vector<FieldSpec<Config>> tracing_fields() {
  using C = Config;
  return {
      boolean<C>(
          "tracing", "enabled", [](auto& c) -> auto& { return c.tracing.enabled; }),
      string<C>(
          "tracing", "collector_url", 2048, [](auto& c) -> auto& { return c.tracing.collector_url; },
          check_collector_url),
      string<C>(
          "tracing", "service_name", 256, [](auto& c) -> auto& { return c.tracing.service_name; },
          check_not_empty),
      ratio<C>(
          "tracing", "sample_ratio", [](auto& c) -> auto& { return c.tracing.sample_ratio; }),
      integer<C>(
          "tracing", "queue_spans", {1, 1'000'000}, [](auto& c) -> auto& { return c.tracing.queue_spans; }),
      integer<C>(
          "tracing", "batch_spans", {1, 10'000}, [](auto& c) -> auto& { return c.tracing.batch_spans; }),
      integer<C>(
          "tracing", "export_interval_ms", {1, 600'000},
          [](auto& c) -> auto& { return c.tracing.export_interval; }),
      integer<C>(
          "tracing", "export_timeout_ms", {1, 600'000},
          [](auto& c) -> auto& { return c.tracing.export_timeout; }),
      integer<C>(
          "tracing", "export_retries", {0, 10}, [](auto& c) -> auto& { return c.tracing.export_retries; }),
  };
}

}  // namespace hookd::config::detail
