// JSON <-> MessagePack transcoding for the HTTP gateway.
//
// A plugin function may declare msgpack input or output while HTTP clients
// speak JSON; the gateway converts on the request path. Both directions
// append into a caller-owned buffer so a worker can reuse one buffer per
// connection and the steady state allocates nothing.
//
// Error policy: nothing here throws. Every failure is a TranscodeError whose
// message is meant for the client (it becomes a 400 response body), so it
// says what was wrong and, where known, at which input byte.
//
// Limits: nesting depth and output size are bounded by TranscodeLimits.
// Input size is bounded by the caller (the HTTP body limit). Per-thread parser
// state is reused between calls, but an input over 1 MiB releases it, so a
// thread keeps at most what a 1 MiB document needs.
// Not reentrant within a thread (no callbacks, so nothing can re-enter).
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hookd::server {

struct TranscodeLimits {
  // Containers nested inside each other, counting the outermost one: `[]` has
  // depth 1, a scalar depth 0. Values above kMaxTranscodeDepth act as that.
  // Both directions count the same way (an empty container counts like any
  // other), so what one direction writes within a limit the other reads back
  // within it: a plugin's msgpack never becomes JSON the gateway would refuse.
  size_t max_depth = 64;
  // Bytes this call may append to `out` (not counting what was there).
  size_t max_output_bytes = 16u << 20;
};

// Hard ceiling on max_depth: the JSON parser's own stack is sized for it, and
// it keeps the recursive JSON walk's stack use bounded.
inline constexpr size_t kMaxTranscodeDepth = 1024;

struct TranscodeError {
  std::string message;  // e.g. "invalid JSON at byte 17: ...", "JSON nesting deeper than 64"
};

// Appends the msgpack encoding of `json` (any JSON value at top level) to
// `out`. Integers use the smallest msgpack int encoding; integers outside
// int64/uint64 and all numbers written with a fraction or exponent become
// float64; objects become maps in key order. On error `out` is restored to
// its size on entry.
[[nodiscard]] std::expected<void, TranscodeError> json_to_msgpack(std::string_view json,
                                                                  std::vector<uint8_t>& out,
                                                                  const TranscodeLimits& limits = {});

// Appends JSON text for the single msgpack value in `mp` to `out`; bytes after
// that value are an error. bin becomes a base64 string, integer map keys
// become decimal strings, floats are printed in shortest round-trip form and
// always with a '.' or exponent (1.0, not 1) so they come back as floats.
// NaN/Inf, ext types, invalid UTF-8 and non-string/int keys are errors. On
// error `out` is restored to its size on entry.
[[nodiscard]] std::expected<void, TranscodeError> msgpack_to_json(std::span<const uint8_t> mp,
                                                                  std::string& out,
                                                                  const TranscodeLimits& limits = {});

}  // namespace hookd::server
