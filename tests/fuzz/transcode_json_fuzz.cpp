// JSON -> msgpack, and back. Properties: no crash; on error the output buffer
// is as it was; a success respects the output limit; a document that survives
// msgpack -> JSON (NaN/Inf do not) encodes to the same msgpack again.
#include <algorithm>
#include <string>
#include <vector>

#include "fuzz_check.hpp"
#include "hookd/server/transcode.hpp"

using hookd::fuzz::check;
using namespace hookd::server;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view json = hookd::fuzz::text(data, size);

  std::vector<uint8_t> mp = {0xAA};
  auto r = json_to_msgpack(json, mp);
  if (!r) {
    check(mp == std::vector<uint8_t>{0xAA}, "json_to_msgpack changed its output on error");
    check(!r.error().message.empty(), "json_to_msgpack error without a message");
  }

  // Tight limits: depth 4, 32 output bytes.
  const TranscodeLimits tight{.max_depth = 4, .max_output_bytes = 32};
  std::vector<uint8_t> small = {1, 2, 3};
  auto t = json_to_msgpack(json, small, tight);
  if (t) {
    check(small.size() <= 3 + tight.max_output_bytes, "json_to_msgpack wrote past max_output_bytes");
    check(r.has_value(), "json_to_msgpack accepts under tight limits what it refuses under default ones");
  } else {
    check(small == std::vector<uint8_t>{1, 2, 3}, "json_to_msgpack changed its output on a limit error");
  }
  if (!r) return 0;

  const std::span<const uint8_t> value(mp.data() + 1, mp.size() - 1);
  std::string back;
  if (!msgpack_to_json(value, back)) return 0;  // NaN/Inf from 1e999 and the like
  std::vector<uint8_t> again;
  auto r2 = json_to_msgpack(back, again);
  check(r2.has_value(), "JSON written by msgpack_to_json does not parse");
  check(std::equal(value.begin(), value.end(), again.begin(), again.end()),
        "JSON -> msgpack -> JSON -> msgpack is not stable");
  return 0;
}
