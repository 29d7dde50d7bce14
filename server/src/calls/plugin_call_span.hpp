// The span of one plugin call (the engine call, under the request's span):
// its ABI, whether the instance was fresh (made again for this call, after a
// trap or for a one-request component) or reused, and how long the call
// waited before it ran (the blocking lane's queue, or parked at its
// plugin's worker share). It also gives the call the CallTrace its host
// calls see. Built only while tracing is on; it records a span only for a
// sampled trace.
#pragma once

#include <chrono>
#include <string_view>

#include "calls/io_worker.hpp"
#include "observability/call_trace.hpp"
#include "observability/tracer.hpp"

namespace hookd::server {

class PluginCallSpan {
 public:
  // Before the engine call, on the thread that runs it.
  PluginCallSpan(RequestTrace& request, const BoundPlugin& bp, const engine::FunctionInfo& fn,
                 std::chrono::steady_clock::time_point arrived, bool lane);
  // After it: `error_kind` empty on success.
  void end(std::string_view error_kind);

  CallTrace call;

 private:
  const RequestTrace& request_;
  const PluginEntry& entry_;
  std::string_view fn_;
  bool fresh_;
  bool lane_;
  int64_t start_ns_ = 0;
  int64_t queued_ns_ = 0;
};

}  // namespace hookd::server
