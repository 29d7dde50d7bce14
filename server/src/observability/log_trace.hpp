// A sampled trace's ids as log lines carry them: the access log's
// trace_id= and span_id= fields, and the "trace_id=... span_id=... " that
// follows the "[plugin <name>] [<request id>] " of a server or plugin log
// line about a call (log_format.cpp reads them back into JSON fields).
// Formatted on the stack: no allocation.
#pragma once

#include <array>
#include <optional>
#include <span>
#include <string_view>

#include "hookd/util/trace_context.hpp"

namespace hookd::server {

class TraceIdText {
 public:
  explicit TraceIdText(const util::TraceContext& ctx) {
    put(0, "trace_id=");
    util::format_trace_id(ctx.trace_id, std::span<char, 32>(text_.data() + kTraceAt, 32));
    put(kTraceAt + 32, " span_id=");
    util::format_span_id(ctx.span_id, std::span<char, 16>(text_.data() + kSpanAt, 16));
    text_[kSpanAt + 16] = ' ';
  }
  [[nodiscard]] std::string_view trace_id() const { return {text_.data() + kTraceAt, 32}; }
  [[nodiscard]] std::string_view span_id() const { return {text_.data() + kSpanAt, 16}; }
  // "trace_id=<32 hex> span_id=<16 hex> ", a log line's prefix.
  [[nodiscard]] std::string_view prefix() const { return {text_.data(), text_.size()}; }

 private:
  static constexpr std::size_t kTraceAt = 9;                 // after "trace_id="
  static constexpr std::size_t kSpanAt = kTraceAt + 32 + 9;  // after " span_id="
  void put(std::size_t at, std::string_view s) { s.copy(text_.data() + at, s.size()); }
  std::array<char, kSpanAt + 16 + 1> text_{};
};

// A log line's trace prefix: TraceIdText's for a sampled trace, else empty.
// The text lives as long as this object.
class TracePrefix {
 public:
  explicit TracePrefix(const util::TraceContext* trace) {
    if (trace != nullptr && trace->sampled()) ids_.emplace(*trace);
  }
  [[nodiscard]] std::string_view text() const { return ids_ ? ids_->prefix() : std::string_view{}; }

 private:
  std::optional<TraceIdText> ids_;
};

}  // namespace hookd::server
