// Spans as an OTLP/HTTP JSON body: the JSON mapping of OpenTelemetry's
// ExportTraceServiceRequest (resourceSpans -> scopeSpans -> spans), ids
// as lower-case hex, times and 64-bit integers as decimal strings, as the
// OTLP specification's JSON encoding says. What a collector's otlphttp
// receiver takes with Content-Type: application/json.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "observability/span.hpp"

namespace hookd::server {

struct OtlpResource {
  std::string_view service_name;     // resource attribute service.name
  std::string_view service_version;  // service.version; empty: left out
  std::string_view instance_id;      // service.instance.id; empty: left out
};

// One request body for `spans` (one resource, one scope: "hookd").
std::string encode_otlp_json(const OtlpResource& resource, std::span<const Span> spans);

}  // namespace hookd::server
