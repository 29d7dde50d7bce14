#include "calls/plugin_call_span.hpp"

namespace hookd::server {

PluginCallSpan::PluginCallSpan(RequestTrace& request, const BoundPlugin& bp, const engine::FunctionInfo& fn,
                               std::chrono::steady_clock::time_point arrived, bool lane)
    : request_(request),
      entry_(*bp.entry),
      fn_(fn.name),
      // A poisoned instance is made again before this call runs.
      fresh_(bp.instance->poisoned()),
      lane_(lane) {
  call.tracer = request.tracer;
  call.ctx = request.ctx;
  call.ctx.span_id = request.tracer->new_span_id();
  call.tracestate = request.tracestate;
  request.plugin_version = entry_.upload_version;
  if (!request.sampled()) return;
  start_ns_ = request.tracer->now_unix_ns();
  if (arrived != std::chrono::steady_clock::time_point{}) {
    queued_ns_ =
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - arrived)
            .count();
  }
}

void PluginCallSpan::end(std::string_view error_kind) {
  if (!request_.sampled()) return;
  const Tracer& tracer = *request_.tracer;
  Span span;
  span.trace_id = call.ctx.trace_id;
  span.span_id = call.ctx.span_id;
  span.parent_id = request_.ctx.span_id;
  span.kind = SpanKind::kInternal;
  span.name.reserve(5 + entry_.name.size() + 1 + fn_.size());
  span.name.append("call ").append(entry_.name).append("/").append(fn_);
  span.start_unix_ns = start_ns_;
  span.end_unix_ns = tracer.now_unix_ns();
  span.set("hookd.plugin", std::string_view(entry_.name))
      .set("hookd.function", fn_)
      .set("hookd.abi", engine::abi_name(entry_.module->abi()))
      .set("hookd.instance.fresh", fresh_)
      .set("hookd.call.queued_ns", queued_ns_)
      .set("hookd.call.lane", lane_)
      .set("hookd.plugin.revision", static_cast<int64_t>(entry_.revision));
  if (entry_.upload_version != 0)
    span.set("hookd.plugin.version", static_cast<int64_t>(entry_.upload_version));
  if (!error_kind.empty()) {
    span.error = true;
    span.set("error.type", error_kind);
  }
  tracer.record(std::move(span));
}

}  // namespace hookd::server
