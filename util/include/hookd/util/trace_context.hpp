// W3C Trace Context (https://www.w3.org/TR/trace-context/): the
// `traceparent` and `tracestate` headers, parsed strictly and written back.
// A header that breaks any rule is not an error anyone answers: the caller
// ignores it and starts a trace of its own, as the recommendation says.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace hookd::util {

using TraceId = std::array<uint8_t, 16>;
using SpanId = std::array<uint8_t, 8>;

/// One position in a trace: the trace, the span (a traceparent's parent-id
/// when received, this hop's span when sent) and the trace flags.
struct TraceContext {
  TraceId trace_id{};
  SpanId span_id{};
  uint8_t flags = 0;

  static constexpr uint8_t kSampled = 0x01;
  [[nodiscard]] bool sampled() const { return (flags & kSampled) != 0; }
  bool operator==(const TraceContext&) const = default;
};

/// "00-" 32 hex "-" 16 hex "-" 2 hex.
inline constexpr std::size_t kTraceparentSize = 55;
/// Longest traceparent read: a later version may append fields, but no
/// header this long is one.
inline constexpr std::size_t kMaxTraceparentBytes = 256;
/// Longest tracestate passed on (the recommendation's floor for what every
/// participant propagates); a longer one is dropped whole.
inline constexpr std::size_t kMaxTracestateBytes = 512;
inline constexpr std::size_t kMaxTracestateMembers = 32;

/// The context a traceparent value carries; nullopt when it breaks a rule:
/// not lower-case hex, version ff, a zero trace or parent id, version 00
/// with anything after its 55 characters, a later version whose 56th
/// character is not '-', longer than kMaxTraceparentBytes. Spaces and tabs
/// at either end are the header's, not the value's, and are ignored.
std::optional<TraceContext> parse_traceparent(std::string_view value);

/// `value` is a tracestate hookd may pass on: at most kMaxTracestateBytes,
/// at most kMaxTracestateMembers list members, each `key=value` with a key
/// and value as the recommendation defines them, no key twice. Empty
/// members (",,") are allowed, as the recommendation allows them.
bool acceptable_tracestate(std::string_view value);

/// Writes `ctx` as a version 00 traceparent into `out`.
void format_traceparent(const TraceContext& ctx, std::span<char, kTraceparentSize> out);

/// Lower-case hex of an id into `out` (twice the id's size).
void format_trace_id(const TraceId& id, std::span<char, 32> out);
void format_span_id(const SpanId& id, std::span<char, 16> out);

}  // namespace hookd::util
