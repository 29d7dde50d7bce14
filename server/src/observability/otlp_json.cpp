#include "observability/otlp_json.hpp"

#include <array>
#include <charconv>

#include "observability/log_escape.hpp"

namespace hookd::server {
namespace {

// Written straight into the body (no JSON document built first): the
// exporter encodes every sampled span, so this is most of what tracing at
// ratio 1 costs. Strings go through append_json_string (valid JSON in
// UTF-8 whatever the bytes).
void append_string(std::string_view s, std::string& out) {
  out += '"';
  append_json_string(s, out);
  out += '"';
}

void append_int(int64_t v, std::string& out) {
  std::array<char, 24> buf{};
  const auto end = std::to_chars(buf.data(), buf.data() + buf.size(), v).ptr;
  out.append(buf.data(), end);
}

void append_string_attribute(std::string_view key, std::string_view value, std::string& out) {
  out += R"({"key":)";
  append_string(key, out);
  out += R"(,"value":{"stringValue":)";
  append_string(value, out);
  out += "}}";
}

void append_attribute(const SpanAttribute& a, std::string& out) {
  switch (a.type) {
    case SpanAttribute::Type::kString:
      return append_string_attribute(a.key, a.text, out);
    case SpanAttribute::Type::kInt:
      out += R"({"key":)";
      append_string(a.key, out);
      // int64 as a string, as proto3's JSON mapping writes it.
      out += R"(,"value":{"intValue":")";
      append_int(a.number, out);
      out += "\"}}";
      return;
    case SpanAttribute::Type::kBool:
      out += R"({"key":)";
      append_string(a.key, out);
      out += a.number != 0 ? R"(,"value":{"boolValue":true}})" : R"(,"value":{"boolValue":false}})";
      return;
  }
}

void append_span(const Span& s, std::string& out) {
  std::array<char, 32> trace{};
  std::array<char, 16> id{};
  util::format_trace_id(s.trace_id, trace);
  util::format_span_id(s.span_id, id);
  out += R"({"traceId":")";
  out.append(trace.data(), trace.size());
  out += R"(","spanId":")";
  out.append(id.data(), id.size());
  out += '"';
  if (s.parent_id != util::SpanId{}) {
    util::format_span_id(s.parent_id, id);
    out += R"(,"parentSpanId":")";
    out.append(id.data(), id.size());
    out += '"';
  }
  out += R"(,"name":)";
  append_string(s.name, out);
  out += R"(,"kind":)";
  append_int(static_cast<int64_t>(s.kind), out);
  out += R"(,"startTimeUnixNano":")";
  append_int(s.start_unix_ns, out);
  out += R"(","endTimeUnixNano":")";
  append_int(s.end_unix_ns, out);
  out += R"(","attributes":[)";
  for (std::size_t i = 0; i < s.attributes.size(); ++i) {
    if (i > 0) out += ',';
    append_attribute(s.attributes[i], out);
  }
  out += ']';
  // STATUS_CODE_ERROR is 2; an unset status is left out.
  if (s.error) out += R"(,"status":{"code":2})";
  out += '}';
}

}  // namespace

std::string encode_otlp_json(const OtlpResource& resource, std::span<const Span> spans) {
  std::string out;
  out.reserve(512 + (spans.size() * 1024));
  out += R"({"resourceSpans":[{"resource":{"attributes":[)";
  append_string_attribute("service.name", resource.service_name, out);
  out += ',';
  append_string_attribute("telemetry.sdk.name", "hookd", out);
  out += ',';
  append_string_attribute("telemetry.sdk.language", "cpp", out);
  if (!resource.service_version.empty()) {
    out += ',';
    append_string_attribute("service.version", resource.service_version, out);
  }
  if (!resource.instance_id.empty()) {
    out += ',';
    append_string_attribute("service.instance.id", resource.instance_id, out);
  }
  out += R"(]},"scopeSpans":[{"scope":{"name":"hookd")";
  if (!resource.service_version.empty()) {
    out += R"(,"version":)";
    append_string(resource.service_version, out);
  }
  out += R"(},"spans":[)";
  for (std::size_t i = 0; i < spans.size(); ++i) {
    if (i > 0) out += ',';
    append_span(spans[i], out);
  }
  out += "]}]}]}";
  return out;
}

}  // namespace hookd::server
