// msgpack -> JSON, and back. Properties: no crash; on error the output is as
// it was; the JSON written always parses, and converting it to msgpack and
// back gives the same JSON (bin becomes a base64 string and integer keys
// become strings, so the msgpack may differ, the JSON may not).
#include <string>
#include <vector>

#include "fuzz_check.hpp"
#include "hookd/server/transcode.hpp"

using hookd::fuzz::check;
using namespace hookd::server;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> mp(data, size);

  std::string json = "prefix";
  auto r = msgpack_to_json(mp, json);
  if (!r) {
    check(json == "prefix", "msgpack_to_json changed its output on error");
    check(!r.error().message.empty(), "msgpack_to_json error without a message");
  }

  const TranscodeLimits tight{.max_depth = 4, .max_output_bytes = 32};
  std::string small = "x";
  if (auto t = msgpack_to_json(mp, small, tight); t) {
    check(small.size() <= 1 + tight.max_output_bytes, "msgpack_to_json wrote past max_output_bytes");
    check(r.has_value(), "msgpack_to_json accepts under tight limits what it refuses under default ones");
  } else {
    check(small == "x", "msgpack_to_json changed its output on a limit error");
  }
  if (!r) return 0;

  const std::string_view written = std::string_view(json).substr(6);
  std::vector<uint8_t> again;
  auto r2 = json_to_msgpack(written, again);
  check(r2.has_value(), "JSON written by msgpack_to_json does not parse");
  std::string json2;
  check(msgpack_to_json(again, json2).has_value(), "msgpack from JSON from msgpack does not convert back");
  check(json2 == written, "msgpack -> JSON -> msgpack -> JSON is not stable");
  return 0;
}
