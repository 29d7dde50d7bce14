// W3C Trace Context headers: what is accepted, what is ignored, and what
// hookd writes back.
#include "hookd/util/trace_context.hpp"

#include <gtest/gtest.h>

#include <string>

namespace hookd::util {
namespace {

constexpr std::string_view kGoodTraceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

std::string formatted_traceparent(const TraceContext& ctx) {
  std::array<char, kTraceparentSize> out{};
  format_traceparent(ctx, out);
  return {out.data(), out.size()};
}

TEST(Traceparent, ReadsTheRecommendationsExample) {
  auto ctx = parse_traceparent(kGoodTraceparent);
  ASSERT_TRUE(ctx);
  EXPECT_EQ(ctx->trace_id[0], 0x4b);
  EXPECT_EQ(ctx->trace_id[15], 0x36);
  EXPECT_EQ(ctx->span_id[0], 0x00);
  EXPECT_EQ(ctx->span_id[7], 0xb7);
  EXPECT_TRUE(ctx->sampled());
  EXPECT_EQ(formatted_traceparent(*ctx), kGoodTraceparent);
}

TEST(Traceparent, NotSampledAndSurroundingSpacesAreRead) {
  auto ctx = parse_traceparent(" 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00\t");
  ASSERT_TRUE(ctx);
  EXPECT_FALSE(ctx->sampled());
}

TEST(Traceparent, UnknownFlagsAreNotPassedOn) {
  auto ctx = parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-ff");
  ASSERT_TRUE(ctx);
  EXPECT_EQ(ctx->flags, TraceContext::kSampled);
}

TEST(Traceparent, ALaterVersionIsReadByVersion00sFields) {
  auto ctx = parse_traceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-comes-next");
  ASSERT_TRUE(ctx);
  EXPECT_TRUE(ctx->sampled());
  EXPECT_TRUE(parse_traceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
}

TEST(Traceparent, EveryBrokenRuleIsIgnored) {
  for (const std::string_view bad : {
           "",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0",        // short
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-",      // v00 with more
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",       // upper case
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",       // zero trace id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",       // zero parent id
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",       // version ff
           "0g-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",       // not hex
           "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",       // separator
           "00-4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7-01",       // separator
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7_01",       // separator
           "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01.more",  // later version, no '-'
           "00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01",       // fields shifted
       }) {
    EXPECT_FALSE(parse_traceparent(bad)) << bad;
  }
  EXPECT_FALSE(parse_traceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-" +
                                 std::string(kMaxTraceparentBytes, 'x')));
}

TEST(Tracestate, AcceptsTheRecommendationsForms) {
  EXPECT_TRUE(acceptable_tracestate(""));
  EXPECT_TRUE(acceptable_tracestate("congo=t61rcWkgMzE"));
  EXPECT_TRUE(acceptable_tracestate("rojo=00f067aa0ba902b7, congo=t61rcWkgMzE"));
  EXPECT_TRUE(acceptable_tracestate("fw529a3039@dt=ff,, tenant1@vendor=x y"));
}

TEST(Tracestate, RefusesBadMembersDuplicatesAndExcess) {
  EXPECT_FALSE(acceptable_tracestate("Congo=t61"));        // upper-case key
  EXPECT_FALSE(acceptable_tracestate("congo"));            // no '='
  EXPECT_FALSE(acceptable_tracestate("congo="));           // empty value
  EXPECT_FALSE(acceptable_tracestate("congo=a=b"));        // '=' in the value
  EXPECT_FALSE(acceptable_tracestate("congo=a,congo=b"));  // a key twice
  EXPECT_FALSE(acceptable_tracestate("t@verylongsystemid=x"));
  std::string many;
  for (int i = 0; i < 33; ++i) many += "k" + std::to_string(i) + "=v,";
  EXPECT_FALSE(acceptable_tracestate(many));
  EXPECT_FALSE(acceptable_tracestate("k=" + std::string(kMaxTracestateBytes, 'v')));
}

TEST(TraceIds, AreWrittenAsLowerHex) {
  TraceContext ctx;
  ctx.trace_id.fill(0xab);
  ctx.span_id.fill(0x01);
  std::array<char, 32> trace{};
  std::array<char, 16> span{};
  format_trace_id(ctx.trace_id, trace);
  format_span_id(ctx.span_id, span);
  EXPECT_EQ(std::string(trace.data(), trace.size()), "abababababababababababababababab");
  EXPECT_EQ(std::string(span.data(), span.size()), "0101010101010101");
  EXPECT_EQ(formatted_traceparent(ctx), "00-abababababababababababababababab-0101010101010101-00");
}

}  // namespace
}  // namespace hookd::util
