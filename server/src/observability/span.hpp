// One finished span as the exporter sends it (OTLP's Span, trimmed to what
// hookd records): ids, parent, kind, name, wall-clock times, status and
// attributes named as OpenTelemetry's semantic conventions name them.
// Built only for a sampled trace: an unsampled request never makes one.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hookd/util/trace_context.hpp"

namespace hookd::server {

// OTLP's SpanKind numbers.
enum class SpanKind : uint8_t { kInternal = 1, kServer = 2, kClient = 3 };

struct SpanAttribute {
  enum class Type : uint8_t { kString, kInt, kBool };
  std::string_view key;  // a constant name ("http.request.method")
  Type type = Type::kString;
  std::string text;    // kString
  int64_t number = 0;  // kInt; kBool: 0 or 1
};

struct Span {
  util::TraceId trace_id{};
  util::SpanId span_id{};
  util::SpanId parent_id{};  // all zero: a root span
  SpanKind kind = SpanKind::kInternal;
  std::string name;
  int64_t start_unix_ns = 0;
  int64_t end_unix_ns = 0;
  bool error = false;  // status ERROR (else UNSET)
  std::vector<SpanAttribute> attributes;

  // The most attributes a hookd span has: one allocation for them.
  static constexpr std::size_t kMaxAttributes = 16;
  Span() { attributes.reserve(kMaxAttributes); }

  Span& set(std::string_view key, std::string_view value) {
    attributes.push_back({key, SpanAttribute::Type::kString, std::string(value)});
    return *this;
  }
  Span& set(std::string_view key, int64_t value) {
    attributes.push_back({key, SpanAttribute::Type::kInt, {}, value});
    return *this;
  }
  Span& set(std::string_view key, bool value) {
    attributes.push_back({key, SpanAttribute::Type::kBool, {}, value ? 1 : 0});
    return *this;
  }
};

// Where finished spans go (the exporter; a vector in tests). Any thread;
// submit never blocks.
class SpanSink {
 public:
  virtual void submit(Span&& span) = 0;

 protected:
  ~SpanSink() = default;
};

}  // namespace hookd::server
