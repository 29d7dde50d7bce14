#include "observability/otlp_json.hpp"

#include <array>
#include <boost/json.hpp>

namespace hookd::server {
namespace json = boost::json;
namespace {

json::object string_attribute(std::string_view key, std::string_view value) {
  return {{"key", key}, {"value", {{"stringValue", value}}}};
}

json::object attribute(const SpanAttribute& a) {
  json::object value;
  switch (a.type) {
    case SpanAttribute::Type::kString:
      value["stringValue"] = a.text;
      break;
    case SpanAttribute::Type::kInt:
      value["intValue"] = std::to_string(a.number);  // int64 as a string, as proto3's JSON mapping writes it
      break;
    case SpanAttribute::Type::kBool:
      value["boolValue"] = a.number != 0;
      break;
  }
  return {{"key", a.key}, {"value", std::move(value)}};
}

json::object span_json(const Span& s) {
  std::array<char, 32> trace{};
  std::array<char, 16> id{};
  std::array<char, 16> parent{};
  util::format_trace_id(s.trace_id, trace);
  util::format_span_id(s.span_id, id);
  json::object out{{"traceId", std::string_view(trace.data(), trace.size())},
                   {"spanId", std::string_view(id.data(), id.size())}};
  if (s.parent_id != util::SpanId{}) {
    util::format_span_id(s.parent_id, parent);
    out["parentSpanId"] = std::string_view(parent.data(), parent.size());
  }
  out["name"] = s.name;
  out["kind"] = static_cast<int>(s.kind);
  out["startTimeUnixNano"] = std::to_string(s.start_unix_ns);
  out["endTimeUnixNano"] = std::to_string(s.end_unix_ns);
  json::array attributes;
  attributes.reserve(s.attributes.size());
  for (const SpanAttribute& a : s.attributes) attributes.push_back(attribute(a));
  out["attributes"] = std::move(attributes);
  // STATUS_CODE_ERROR is 2; an unset status is left out.
  if (s.error) out["status"] = {{"code", 2}};
  return out;
}

}  // namespace

std::string encode_otlp_json(const OtlpResource& resource, std::span<const Span> spans) {
  json::array resource_attributes{string_attribute("service.name", resource.service_name),
                                  string_attribute("telemetry.sdk.name", "hookd"),
                                  string_attribute("telemetry.sdk.language", "cpp")};
  if (!resource.service_version.empty())
    resource_attributes.push_back(string_attribute("service.version", resource.service_version));
  if (!resource.instance_id.empty())
    resource_attributes.push_back(string_attribute("service.instance.id", resource.instance_id));
  json::array span_array;
  span_array.reserve(spans.size());
  for (const Span& s : spans) span_array.push_back(span_json(s));
  json::object scope{{"name", "hookd"}};
  if (!resource.service_version.empty()) scope["version"] = resource.service_version;
  const json::object body{
      {"resourceSpans", json::array{json::object{
                            {"resource", {{"attributes", std::move(resource_attributes)}}},
                            {"scopeSpans", json::array{json::object{{"scope", std::move(scope)},
                                                                    {"spans", std::move(span_array)}}}}}}}};
  return json::serialize(body);
}

}  // namespace hookd::server
