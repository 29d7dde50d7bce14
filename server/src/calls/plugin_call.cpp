#include "calls/plugin_call.hpp"

#include <spdlog/spdlog.h>

#include "calls/worker_share.hpp"
#include "hookd/server/transcode.hpp"
#include "hookd/util/ascii.hpp"
#include "observability/log_escape.hpp"

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

}  // namespace

Ran run_plugin_call(IoWorker& w, const config::LimitsConfig& limits, BoundPlugin& bp,
                    const engine::FunctionInfo& fn, const CallRequest& req, CallResult& out) {
  const PluginEntry& entry = *bp.entry;
  const auto fail = [&](http::status status, std::string_view kind, std::string_view message) {
    call_error(out, status, kind, message, entry.name, fn.name, req.request_id);
    return Ran::kDone;
  };
  // The dispatcher routes calls only to threads that host the plugin.
  if (!bp.instance)
    return fail(http::status::internal_server_error, "internal", "plugin not instantiated here");
  PluginCounters& counters = *entry.counters;
  // The shared in-flight counter is a contended cache line; touch it only
  // when a limit (max_concurrency, or the worker share) is lower than the
  // number of threads that can run this plugin's calls. Calls run inline, one
  // at a time per I/O worker, so for a plugin outside the blocking lane the
  // count is also the number of workers it occupies.
  const bool counted = entry.count_concurrency;
  if (counted) {
    const int64_t running = counters.in_flight.fetch_add(1, std::memory_order_relaxed);
    const bool over_limit = running >= entry.limits.max_concurrency;
    const bool over_share = !w.blocking_lane() && running >= entry.worker_cap;
    if (over_limit || over_share) {
      counters.in_flight.fetch_sub(1, std::memory_order_relaxed);
      if (!over_limit && req.arrived != std::chrono::steady_clock::time_point{} &&
          std::chrono::steady_clock::now() - req.arrived < share_wait(entry.limits.deadline)) {
        return Ran::kParked;
      }
      counters.calls.fetch_add(1, std::memory_order_relaxed);
      counters.errors.fetch_add(1, std::memory_order_relaxed);
      out.retry_after = true;
      if (over_limit) {
        return fail(http::status::service_unavailable, "overload",
                    "plugin is at its concurrency limit; retry later");
      }
      return fail(http::status::service_unavailable, "overload",
                  "plugin is using its share of the workers (max_worker_share); retry later");
    }
  }
  counters.calls.fetch_add(1, std::memory_order_relaxed);
  struct Release {
    PluginCounters& c;
    bool counted;
    ~Release() {
      if (counted) c.in_flight.fetch_sub(1, std::memory_order_relaxed);
    }
  } release{counters, counted};

  const std::string_view body = req.body;
  std::span<const uint8_t> input(reinterpret_cast<const uint8_t*>(body.data()), body.size());
  const std::string_view media = media_type(req.content_type);
  std::vector<uint8_t>& scratch = w.scratch();
  if (fn.input == Format::kMsgpack && util::iequals(media, "application/json")) {
    scratch.clear();
    if (auto r = json_to_msgpack(body, scratch); !r) {
      counters.errors.fetch_add(1, std::memory_order_relaxed);
      return fail(http::status::bad_request, "bad_request", r.error().message);
    }
    input = scratch;
  } else if (fn.input == Format::kJson && util::iequals(media, "application/msgpack")) {
    std::string json;
    if (auto r = msgpack_to_json(input, json); !r) {
      counters.errors.fetch_add(1, std::memory_order_relaxed);
      return fail(http::status::bad_request, "bad_request", r.error().message);
    }
    scratch.assign(json.begin(), json.end());
    input = scratch;
  }

  // The plugin's input limit, checked here rather than left to the engine so
  // that only oversized input is a 413. The body is within max_body_bytes,
  // but transcoding can grow it, and a WebSocket message has its own limit.
  const uint32_t max_input = entry.module->options().limits.max_input_bytes;
  if (input.size() > max_input) {
    counters.errors.fetch_add(1, std::memory_order_relaxed);
    return fail(http::status::payload_too_large, "input_too_large",
                "input of " + std::to_string(input.size()) + " bytes exceeds the plugin's limit of " +
                    std::to_string(max_input));
  }
  engine::CallContext ctx{req.request_id};
  auto result = bp.instance->call(fn, input, ctx);
  if (!result) {
    counters.errors.fetch_add(1, std::memory_order_relaxed);
    const StatusFor s = status_for(result.error());
    if (result.error().kind != ErrorKind::kPluginError) {
      spdlog::warn("[plugin {}] [{}] fn {}: {}", entry.name, req.request_id, fn.name,
                   escape_log_text(result.error().describe()));
      w.after_failed_call(bp);
    }
    out.retry_after = result.error().kind == ErrorKind::kResourceExhausted;
    return fail(s.status, s.kind, result.error().message);
  }

  // limits.max_response_bytes: output past it is refused before it is copied
  // (and after transcoding, which can grow it).
  const uint64_t max_response = limits.max_response_bytes;
  const auto too_large = [&] {
    counters.errors.fetch_add(1, std::memory_order_relaxed);
    return fail(
        http::status::bad_gateway, "response_too_large",
        "plugin output larger than limits.max_response_bytes (" + std::to_string(max_response) + " bytes)");
  };
  if (result->size() > max_response) return too_large();
  out.status = http::status::ok;
  out.error_kind = {};
  if (fn.output == Format::kMsgpack && req.want == Encoding::kJson) {
    out.body.clear();
    if (auto r = msgpack_to_json(*result, out.body); !r) {
      counters.errors.fetch_add(1, std::memory_order_relaxed);
      return fail(http::status::internal_server_error, "bad_output",
                  "plugin returned invalid msgpack: " + r.error().message);
    }
    if (out.body.size() > max_response) return too_large();
    out.content_type = "application/json";
    return Ran::kDone;
  }
  if (fn.output == Format::kJson && req.want == Encoding::kMsgpack) {
    scratch.clear();
    std::string_view json(reinterpret_cast<const char*>(result->data()), result->size());
    if (auto r = json_to_msgpack(json, scratch); !r) {
      counters.errors.fetch_add(1, std::memory_order_relaxed);
      return fail(http::status::internal_server_error, "bad_output",
                  "plugin returned invalid JSON: " + r.error().message);
    }
    out.body.assign(reinterpret_cast<const char*>(scratch.data()), scratch.size());
    out.content_type = "application/msgpack";
    return Ran::kDone;
  }
  out.body.assign(reinterpret_cast<const char*>(result->data()), result->size());
  out.content_type = engine::content_type(fn.output);
  return Ran::kDone;
}

}  // namespace hookd::server
