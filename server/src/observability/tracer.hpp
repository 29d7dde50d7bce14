// Tracing's decisions on the request path: a request's place in a trace
// (the client's traceparent continued, or a new trace), whether it is
// sampled (parent-based, then tracing.sample_ratio), the ids of its spans
// (from a generator per thread seeded from the gateway's entropy source) and
// their times (the gateway's clock). Spans of sampled requests go to a
// SpanSink (the exporter).
//
// Cost: with tracing off there is no Tracer and a session pays one null
// check. With it on, an unsampled request costs two ids and a comparison,
// and allocates nothing unless it carries a tracestate; only a sampled one
// builds spans.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "hookd/util/clock.hpp"
#include "hookd/util/random.hpp"
#include "hookd/util/trace_context.hpp"
#include "observability/span.hpp"

namespace hookd::server {

// A request's trace, kept by its session while the request is handled.
class Tracer;

struct RequestTrace {
  const Tracer* tracer = nullptr;  // null: tracing is off (nothing else is set)
  bool active = false;             // tracing is on: ids exist, traceparent is propagated
  util::TraceContext ctx;          // the trace, this request's span, the sampled flag
  util::SpanId parent{};           // the client's span; all zero: the trace started here
  int64_t start_unix_ns = 0;
  std::string tracestate;  // as received when acceptable; passed on as is
  // Noted by the call (calls/plugin_call_span.hpp) for the request's span:
  // the plugin's upload version, 0 when unknown.
  uint64_t plugin_version = 0;
  // The route template that matched (a route table's pattern); empty for
  // /plugins/<name>/<fn> and the built-in endpoints.
  std::string_view route;

  [[nodiscard]] bool sampled() const { return active && ctx.sampled(); }
};

class Tracer {
 public:
  // `ratio`: the share of new traces sampled (0 to 1). The clock, the
  // entropy source and the sink must outlive the tracer.
  Tracer(double ratio, const util::Clock& clock, util::RandomSource& entropy, SpanSink& sink);

  // Starts `out` for a request whose traceparent and tracestate header
  // values are given (empty: none). A traceparent that breaks a rule is
  // ignored (a new trace starts); so is a tracestate. `out`'s tracestate
  // buffer is reused. Any thread.
  void begin(std::string_view traceparent, std::string_view tracestate, RequestTrace& out) const;

  // A new span id (never all zero), from this thread's generator.
  [[nodiscard]] util::SpanId new_span_id() const;
  // Wall time now, in nanoseconds since the Unix epoch.
  [[nodiscard]] int64_t now_unix_ns() const;

  // A finished span of a sampled trace. Any thread; never blocks.
  void record(Span&& span) const { sink_.submit(std::move(span)); }

  // Whether a new trace with this id is sampled (OpenTelemetry's
  // TraceIdRatioBased: its last 8 bytes below ratio x 2^64).
  [[nodiscard]] bool sample_new(const util::TraceId& id) const;

 private:
  uint64_t next_random() const;

  uint64_t serial_ = 0;  // tells this tracer's per-thread generators from another's
  uint64_t threshold_;   // sample a new trace when its last 8 bytes are below
  bool always_;          // ratio 1: every new trace
  const util::Clock& clock_;
  util::RandomSource& entropy_;
  SpanSink& sink_;
};

}  // namespace hookd::server
