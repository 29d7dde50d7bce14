// The plugin call this thread is running, as its host calls see it: the
// trace it belongs to and its own span, so a KV call or a fetch records its
// span under it and a fetch carries its traceparent upstream. Set by the
// call pipeline (calls/plugin_call.cpp) around the engine call, read by the
// host services each plugin is lent (plugin_host_services.cpp), which run
// on the same thread, inside that call. Null: no traced call runs here.
#pragma once

#include <string_view>

#include "hookd/util/trace_context.hpp"
#include "observability/tracer.hpp"

namespace hookd::server {

struct CallTrace {
  const Tracer* tracer = nullptr;
  util::TraceContext ctx;       // the trace and the call's span
  std::string_view tracestate;  // the request's, passed on with each fetch
};

class CallTraceScope {
 public:
  explicit CallTraceScope(const CallTrace* trace) : outer_(current_call) { current_call = trace; }
  ~CallTraceScope() { current_call = outer_; }
  CallTraceScope(const CallTraceScope&) = delete;
  CallTraceScope& operator=(const CallTraceScope&) = delete;

  [[nodiscard]] static const CallTrace* current() { return current_call; }

 private:
  static thread_local const CallTrace* current_call;
  const CallTrace* outer_;
};

}  // namespace hookd::server
