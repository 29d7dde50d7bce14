// The W3C Trace Context parsers (util/trace_context.hpp) on any bytes.
// Input: the traceparent value, then optionally '\n' and a tracestate value.
// Properties: no crash; an accepted traceparent has non-zero ids and only
// the sampled flag, and reads back the same after it is written as version
// 00; an accepted version 00 value is what was written (lower-case hex is
// the only spelling); an accepted tracestate is within its bounds.
#include <array>
#include <string_view>

#include "fuzz_check.hpp"
#include "hookd/util/trace_context.hpp"

using hookd::fuzz::check;
using namespace hookd::util;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input = hookd::fuzz::text(data, size);
  const auto nl = input.find('\n');
  const std::string_view parent = input.substr(0, nl);
  const std::string_view state = nl == std::string_view::npos ? std::string_view{} : input.substr(nl + 1);

  if (auto ctx = parse_traceparent(parent)) {
    check(ctx->flags == 0 || ctx->flags == TraceContext::kSampled, "only the sampled flag is kept");
    const TraceId zero_trace{};
    const SpanId zero_span{};
    check(ctx->trace_id != zero_trace && ctx->span_id != zero_span, "ids are not zero");
    std::array<char, kTraceparentSize> out{};
    format_traceparent(*ctx, out);
    const std::string_view written(out.data(), out.size());
    auto again = parse_traceparent(written);
    check(again && *again == *ctx, "a written traceparent reads back the same");
    if (parent.size() == kTraceparentSize && parent.starts_with("00-") &&
        (parent.ends_with("-00") || parent.ends_with("-01"))) {
      check(written == parent, "a version 00 value is written back as received");
    }
  }
  if (acceptable_tracestate(state)) {
    check(state.size() <= kMaxTracestateBytes, "an accepted tracestate is within its length");
    std::size_t equals = 0;
    for (char c : state) equals += c == '=' ? 1 : 0;
    check(equals <= kMaxTracestateMembers, "an accepted tracestate has at most 32 members");
  }
  return 0;
}
