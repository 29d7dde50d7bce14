// What a waPC guest's __host_call(binding, namespace, operation, payload)
// reaches: hookd's host functions, translated from waPC's payloads to the
// host_call form (docs/abi.md, "waPC plugins", has the table). The binding
// is not used. Grants are the host functions' own business: a call to
// something not granted comes back as their error, which the guest reads
// with __host_error.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "hookd/engine/plugin.hpp"

namespace hookd::engine::abi {

// Buffers a waPC instance keeps across host calls (reused, not reallocated).
struct WapcHostScratch {
  std::vector<uint8_t> request;  // the host_call form of the payload
  std::vector<uint8_t> reply;    // the host function's reply
};

// Runs namespace/operation for `module` under `ctx`. On success `out` holds
// the response bytes; otherwise the error's message is what the guest sees.
// No response is larger than ctx.max_result_bytes.
Result<void> wapc_host_call(const PluginModule& module, const CallContext& ctx, std::string_view ns,
                            std::string_view op, std::span<const uint8_t> payload, WapcHostScratch& scratch,
                            std::vector<uint8_t>& out);

}  // namespace hookd::engine::abi
