// What the embedder gives hookd's WASI 0.2 host, and the bounds it keeps.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "component/wasi/fields.hpp"
#include "hookd/engine/plugin.hpp"
#include "hookd/engine/random.hpp"

namespace hookd::engine::component::wasi {

// Receives what a component writes to stdout or stderr, a write at a time
// (cut at WasiOptions::max_log_write_bytes); the embedder turns it into
// plugin log lines, as it does for core modules' fd_write.
using LogChunkSink = std::function<void(std::string_view chunk)>;

// Finds one of the embedder's host functions by name ("hookd.fetch",
// "hookd.kv.get" ...): the very functions a core plugin reaches through
// hookd.host_call, so their grants, allowlist, SSRF guard and bounds apply
// to a component unchanged. Null (or a null answer): the function is absent.
// The host function is named with its namespace: inside this one,
// HostFunction is the component runtime's.
using HostFunctionLookup = std::function<const hookd::engine::HostFunction*(std::string_view name)>;

struct WasiOptions {
  std::shared_ptr<RandomSource> random;  // null: the system CSPRNG
  LogChunkSink stdout_sink;              // null: dropped
  LogChunkSink stderr_sink;              // null: dropped
  // hookd.fetch, hookd.kv.*, hookd.config.get for wasi:http/outgoing-handler,
  // wasi:keyvalue and wasi:config. Null: none (outbound HTTP is denied,
  // keyvalue and config answer errors).
  HostFunctionLookup host_function;
  // Fields a component makes (the response's headers): ResponseSink's bounds.
  FieldLimits fields{};
  // The request's headers as the component reads them (already bounded by
  // the server's own request limits; this only caps the copy).
  FieldLimits request_fields{.max_fields = 512, .max_bytes = 256u << 10};
  // The response body, when the call's max_result_bytes is 0 or larger.
  size_t max_body_bytes = 16u << 20;
  // One read, skip, write or get-random-bytes.
  size_t max_chunk_bytes = 1u << 20;
  size_t max_log_write_bytes = 64u << 10;
  // stdout and stderr bytes one call may log; the rest is dropped with a note.
  size_t max_log_bytes_per_call = 256u << 10;
  // Live host objects of one resource type per instance (fields, streams ...).
  uint32_t max_objects_per_kind = 1024;
  // The longest one pollable.block or poll may wait, whatever the call's
  // deadline (a call without one still cannot sleep forever).
  std::chrono::milliseconds max_wait{30000};
  // Responses one call may construct.
  uint32_t max_responses_per_call = 16;
  // Outgoing requests one call may make (given a body or handed to the
  // outgoing handler).
  uint32_t max_outgoing_requests_per_call = 16;
  // wasi:keyvalue list-keys cursors an instance keeps (the oldest goes first).
  uint32_t max_kv_cursors = 64;
};

}  // namespace hookd::engine::component::wasi
