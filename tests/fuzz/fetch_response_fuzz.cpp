// The fetch client's response parser (host/src/fetch/response_parser.hpp)
// fed what a hostile upstream could send. Input: one flags byte (bit 0: the
// request was a HEAD; the rest picks how the bytes are split into reads),
// then the upstream's bytes; EOF follows them.
// Properties: no crash; the buffer never holds more than the head budget and
// one read; a finished response is final (not 1xx, except 101), has a body
// within its limit (none for HEAD) and fields within the head budget; the
// same bytes fed in one piece end the same way as fed in the chosen reads.
#include <array>
#include <string>

#include "fetch/response_parser.hpp"
#include "fuzz_check.hpp"

using hookd::fuzz::check;
using hookd::host::FetchResponse;
using hookd::host::fetch::ResponseLimits;
using hookd::host::fetch::ResponseParser;
using State = ResponseParser::State;

namespace {

// Small limits so that inputs of a few KiB reach them.
constexpr ResponseLimits kLimits{.max_body_bytes = 4096, .max_head_bytes = 1024};

struct Ending {
  State state;
  FetchResponse response;
};

Ending run(std::string_view bytes, bool head, unsigned split) {
  static constexpr std::array<std::size_t, 8> kReads{1, 2, 3, 7, 16, 100, 1000, 1 << 20};
  ResponseParser parser(kLimits, head);
  std::size_t i = 0;
  while (!bytes.empty() && parser.state() == State::kNeedMore) {
    const std::size_t n = std::min(bytes.size(), kReads[(split + i++) % kReads.size()]);
    parser.feed(bytes.substr(0, n));
    bytes.remove_prefix(n);
    check(parser.buffer_capacity() <= kLimits.max_head_bytes + ResponseParser::kReadBytes,
          "the read buffer outgrew the head budget plus one read");
    if (parser.state() == State::kNeedMore)
      check(parser.head_bytes() <= kLimits.max_head_bytes, "an unfinished response over the head budget");
  }
  if (parser.state() == State::kNeedMore) parser.eof();
  check(parser.state() != State::kNeedMore, "EOF left the response unfinished");
  if (parser.state() == State::kFailed) {
    check(parser.error().has_value(), "a failure without an error");
    return {State::kFailed, {}};
  }
  check(parser.head_bytes() <= kLimits.max_head_bytes, "a finished response over the head budget");
  auto response = parser.take();
  check(response.status >= 100 && response.status <= 999, "a status outside 100-999");
  check(response.status >= 200 || response.status == 101, "an interim response taken as final");
  check(response.body.size() <= kLimits.max_body_bytes, "a body over its limit");
  check(!head || response.body.empty(), "a body in the response to a HEAD");
  std::size_t fields = 0;
  for (const auto& [name, value] : response.headers) fields += name.size() + value.size();
  check(fields <= kLimits.max_head_bytes, "fields over the head budget");
  return {State::kDone, std::move(response)};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const bool head = (data[0] & 1) != 0;
  const unsigned split = data[0] >> 1;
  const std::string_view bytes = hookd::fuzz::text(data + 1, size - 1);
  const Ending whole = run(bytes, head, 7);  // 1 MiB reads: all at once
  const Ending pieces = run(bytes, head, split);
  check(whole.state == pieces.state, "the same bytes end differently when split into other reads");
  if (whole.state == State::kDone) {
    check(whole.response.status == pieces.response.status && whole.response.body == pieces.response.body &&
              whole.response.headers == pieces.response.headers,
          "the same bytes give another response when split into other reads");
  }
  return 0;
}
