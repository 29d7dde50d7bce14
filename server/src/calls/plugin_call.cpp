#include "calls/plugin_call.hpp"

#include <spdlog/spdlog.h>

#include <expected>

#include "calls/plugin_call_span.hpp"
#include "calls/worker_share.hpp"
#include "hookd/server/transcode.hpp"
#include "hookd/util/ascii.hpp"
#include "observability/call_trace.hpp"
#include "observability/log_escape.hpp"
#include "observability/log_trace.hpp"

namespace hookd::server {
namespace {

using engine::ErrorKind;
using engine::Format;

std::string_view media_type(std::string_view content_type) {
  size_t semi = content_type.find(';');
  std::string_view m = content_type.substr(0, semi);
  while (!m.empty() && m.back() == ' ') m.remove_suffix(1);
  return m;
}

struct StatusFor {
  http::status status;
  std::string_view kind;
};

StatusFor status_for(const engine::Error& e) {
  switch (e.kind) {
    case ErrorKind::kPluginError:
      return {e.status >= 400 && e.status <= 599 ? static_cast<http::status>(e.status)
                                                 : http::status::unprocessable_entity,
              "plugin_error"};
    case ErrorKind::kTrap:
      return {http::status::internal_server_error, "trap"};
    case ErrorKind::kTimeout:
      return {http::status::gateway_timeout, "timeout"};
    case ErrorKind::kNotFound:
      return {http::status::not_found, "not_found"};
    // kInvalidArgument is not here: oversized input is refused before the
    // call (413), and what else the engine reports with it (arity, a host
    // function calling back into a plugin) is the host's fault, a 500.
    case ErrorKind::kProtocol:
      return {http::status::internal_server_error, "protocol"};
    // The worker's engine reached its heap limit; it is rebuilt right after.
    case ErrorKind::kResourceExhausted:
      return {http::status::service_unavailable, "out_of_memory"};
    default:
      return {http::status::internal_server_error, "internal"};
  }
}

// Why a call failed: the answer the client gets. Every failure of an
// admitted call counts once in the plugin's errors (run_plugin_call).
struct Failure {
  http::status status;
  std::string_view kind;
  std::string message;
  bool retry_after = false;
};

template <class T>
using Step = std::expected<T, Failure>;

// The concurrency limit and the worker share. kPark: the call waits at the
// worker share and is tried again; a refusal is a Failure.
enum class Admitted { kCounted, kUncounted, kPark };

Step<Admitted> admit(const IoWorker& w, const PluginEntry& entry, const CallRequest& req) {
  // The shared in-flight counter is a contended cache line; touch it only
  // when a limit (max_concurrency, or the worker share) is lower than the
  // number of threads that can run this plugin's calls. Calls run inline, one
  // at a time per I/O worker, so for a plugin outside the blocking lane the
  // count is also the number of workers it occupies.
  if (!entry.count_concurrency) return Admitted::kUncounted;
  std::atomic<int64_t>& in_flight = entry.counters->in_flight;
  const int64_t running = in_flight.fetch_add(1, std::memory_order_relaxed);
  const bool over_limit = running >= entry.limits.max_concurrency;
  const bool over_share = !w.blocking_lane() && running >= entry.worker_cap;
  if (!over_limit && !over_share) return Admitted::kCounted;
  in_flight.fetch_sub(1, std::memory_order_relaxed);
  if (!over_limit && req.arrived != std::chrono::steady_clock::time_point{} &&
      std::chrono::steady_clock::now() - req.arrived < share_wait(entry.limits.deadline)) {
    return Admitted::kPark;
  }
  return std::unexpected(Failure{http::status::service_unavailable, "overload",
                                 over_limit ? "plugin is at its concurrency limit; retry later"
                                            : "plugin is using its share of the workers (max_worker_share); "
                                              "retry later",
                                 true});
}

// The request body as the function takes it: JSON and msgpack are
// transcoded (into the worker's scratch buffer) when the content type says
// the other one.
Step<std::span<const uint8_t>> decode(IoWorker& w, const PluginEntry& entry, const engine::FunctionInfo& fn,
                                      const CallRequest& req) {
  const std::string_view body = req.body;
  std::span<const uint8_t> input(reinterpret_cast<const uint8_t*>(body.data()), body.size());
  const std::string_view media = media_type(req.content_type);
  std::vector<uint8_t>& scratch = w.scratch();
  if (fn.input == Format::kMsgpack && util::iequals(media, "application/json")) {
    scratch.clear();
    if (auto r = json_to_msgpack(body, scratch); !r)
      return std::unexpected(Failure{http::status::bad_request, "bad_request", r.error().message});
    input = scratch;
  } else if (fn.input == Format::kJson && util::iequals(media, "application/msgpack")) {
    std::string json;
    if (auto r = msgpack_to_json(input, json); !r)
      return std::unexpected(Failure{http::status::bad_request, "bad_request", r.error().message});
    scratch.assign(json.begin(), json.end());
    input = scratch;
  }
  // The plugin's input limit, checked here rather than left to the engine so
  // that only oversized input is a 413. The body is within max_body_bytes,
  // but transcoding can grow it, and a WebSocket message has its own limit.
  const uint32_t max_input = entry.module->options().limits.max_input_bytes;
  if (input.size() > max_input) {
    return std::unexpected(Failure{http::status::payload_too_large, "input_too_large",
                                   "input of " + std::to_string(input.size()) +
                                       " bytes exceeds the plugin's limit of " + std::to_string(max_input)});
  }
  return input;
}

// The call itself; an engine error becomes its status and kind, and one that
// is not the plugin's own answer is logged and repaired after the call.
Step<std::span<const uint8_t>> invoke(IoWorker& w, BoundPlugin& bp, const engine::FunctionInfo& fn,
                                      const CallRequest& req, std::span<const uint8_t> input) {
  engine::CallContext ctx{req.request_id};
  ctx.request = req.request;
  ctx.response = req.response;
  // Tracing on: the call gets a span of its own, which its host calls see
  // (call_trace.hpp) and a plugin can read (hookd.request.traceparent).
  std::optional<PluginCallSpan> traced;
  if (req.trace != nullptr && req.trace->active)
    traced.emplace(*req.trace, bp, fn, req.arrived, w.blocking_lane());
  const CallTraceScope scope(traced ? &traced->call : nullptr);
  if (traced) ctx.trace = &traced->call.ctx;
  auto result = bp.instance->call(fn, input, ctx);
  if (traced) traced->end(result ? std::string_view{} : status_for(result.error()).kind);
  if (result) {
    // Only a component's instance can be spent by a successful call (one
    // request per instance); the others need no check on this path.
    if (bp.entry->module->is_component() && bp.instance->poisoned()) w.repair_after_call(bp);
    return *result;
  }
  const engine::Error& error = result.error();
  if (error.kind != ErrorKind::kPluginError) {
    const TracePrefix trace(ctx.trace);
    spdlog::warn("[plugin {}] [{}] {}fn {}: {}", bp.entry->name, req.request_id, trace.text(), fn.name,
                 escape_log_text(error.describe()));
    w.repair_after_call(bp);
  } else if (bp.instance->poisoned()) {
    w.repair_after_call(bp);  // the plugin's own error from a spent one-request component
  }
  const StatusFor s = status_for(error);
  return std::unexpected(
      Failure{s.status, s.kind, error.message, error.kind == ErrorKind::kResourceExhausted});
}

Failure too_large(uint64_t max_response) {
  return Failure{
      http::status::bad_gateway, "response_too_large",
      "plugin output larger than limits.max_response_bytes (" + std::to_string(max_response) + " bytes)"};
}

// The output as the client wants it: JSON and msgpack transcoded as the
// client asked, within limits.max_response_bytes, which transcoding can
// pass.
Step<void> encode_body(IoWorker& w, uint64_t max_response, const engine::FunctionInfo& fn,
                       const CallRequest& req, std::span<const uint8_t> output, CallResult& out) {
  if (fn.output == Format::kMsgpack && req.want == Encoding::kJson) {
    out.body.clear();
    if (auto r = msgpack_to_json(output, out.body); !r) {
      return std::unexpected(Failure{http::status::internal_server_error, "bad_output",
                                     "plugin returned invalid msgpack: " + r.error().message});
    }
    if (out.body.size() > max_response) return std::unexpected(too_large(max_response));
    out.content_type = "application/json";
    return {};
  }
  if (fn.output == Format::kJson && req.want == Encoding::kMsgpack) {
    std::vector<uint8_t>& scratch = w.scratch();
    scratch.clear();
    std::string_view json(reinterpret_cast<const char*>(output.data()), output.size());
    if (auto r = json_to_msgpack(json, scratch); !r) {
      return std::unexpected(Failure{http::status::internal_server_error, "bad_output",
                                     "plugin returned invalid JSON: " + r.error().message});
    }
    out.body.assign(reinterpret_cast<const char*>(scratch.data()), scratch.size());
    out.content_type = "application/msgpack";
    return {};
  }
  out.body.assign(reinterpret_cast<const char*>(output.data()), output.size());
  out.content_type = engine::content_type(fn.output);
  return {};
}

// A plugin that shaped its response (response host functions): its status,
// and its body as it is when it said what the body is (Content-Type);
// false when the body is still to be encoded as any function's output
// (encode does it, so that encode_body has one caller and stays inline on
// the plain call's path). The other headers the session adds from the sink
// (CallResult::plugin_headers).
Step<bool> encode_shaped(const engine::ResponseSink& sink, const engine::FunctionInfo& fn,
                         std::span<const uint8_t> output, CallResult& out) {
  // A 1xx never ends a response (RFC 9110 15.2): the client would wait for
  // the real one. The sink takes 100-599, as the ABI says; here a 1xx is
  // the plugin's bad answer.
  if (sink.status() != 0 && sink.status() < 200) {
    return std::unexpected(Failure{http::status::bad_gateway, "bad_output",
                                   "plugin answered with an informational status (" +
                                       std::to_string(sink.status()) + "), which cannot end a response"});
  }
  if (sink.status() != 0) out.status = static_cast<http::status>(sink.status());
  out.plugin_headers = !sink.headers().empty();
  // 204 and 304 have no body (RFC 9110 15.3.5, 15.4.5): what the plugin
  // returned with one is dropped.
  if (out.status == http::status::no_content || out.status == http::status::not_modified) {
    out.body.clear();
    out.content_type = engine::content_type(fn.output);
    return true;
  }
  for (const auto& h : sink.headers()) {
    if (engine::header_name_equal(h.name, "content-type")) {
      out.content_type = h.value;
      out.body.assign(reinterpret_cast<const char*>(output.data()), output.size());
      return true;
    }
  }
  return false;
}

// The output as the client wants it, within limits.max_response_bytes:
// refused before it is copied, and again after transcoding, which can grow it.
Step<void> encode(IoWorker& w, const config::LimitsConfig& limits, const engine::FunctionInfo& fn,
                  const CallRequest& req, std::span<const uint8_t> output, CallResult& out) {
  const uint64_t max_response = limits.max_response_bytes;
  if (output.size() > max_response) return std::unexpected(too_large(max_response));
  out.status = http::status::ok;
  out.error_kind = {};
  out.plugin_headers = false;
  if (req.response != nullptr && !req.response->empty()) {
    auto shaped = encode_shaped(*req.response, fn, output, out);
    if (!shaped) return std::unexpected(std::move(shaped.error()));
    if (*shaped) return {};
  }
  return encode_body(w, max_response, fn, req, output, out);
}

// decode -> invoke -> encode; the first failure ends the call.
Step<void> run(IoWorker& w, const config::LimitsConfig& limits, BoundPlugin& bp,
               const engine::FunctionInfo& fn, const CallRequest& req, CallResult& out) {
  auto input = decode(w, *bp.entry, fn, req);
  if (!input) return std::unexpected(std::move(input.error()));
  auto output = invoke(w, bp, fn, req, *input);
  if (!output) return std::unexpected(std::move(output.error()));
  return encode(w, limits, fn, req, *output, out);
}

// Gives back the in-flight slot admit() took, when it took one.
struct InFlightSlot {
  PluginCounters& counters;
  bool held;
  ~InFlightSlot() {
    if (held) counters.in_flight.fetch_sub(1, std::memory_order_relaxed);
  }
};

}  // namespace

Ran run_plugin_call(IoWorker& w, const config::LimitsConfig& limits, BoundPlugin& bp,
                    const engine::FunctionInfo& fn, const CallRequest& req, CallResult& out) {
  const PluginEntry& entry = *bp.entry;
  // The dispatcher routes calls only to threads that host the plugin.
  if (!bp.instance) {
    call_error(out, http::status::internal_server_error, "internal", "plugin not instantiated here",
               entry.name, fn.name, req.request_id);
    return Ran::kDone;
  }
  const Step<Admitted> admitted = admit(w, entry, req);
  if (admitted && *admitted == Admitted::kPark) return Ran::kParked;
  PluginCounters& counters = *entry.counters;
  counters.calls.fetch_add(1, std::memory_order_relaxed);
  const InFlightSlot slot{counters, admitted && *admitted == Admitted::kCounted};
  const Step<void> done = admitted ? run(w, limits, bp, fn, req, out) : std::unexpected(admitted.error());
  if (!done) {
    counters.errors.fetch_add(1, std::memory_order_relaxed);
    const Failure& f = done.error();
    call_error(out, f.status, f.kind, f.message, entry.name, fn.name, req.request_id);
    if (f.retry_after) out.retry_after = true;
  }
  return Ran::kDone;
}

}  // namespace hookd::server
