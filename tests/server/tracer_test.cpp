// The tracer's decisions (parent-based sampling, then the ratio; a broken
// traceparent ignored) and the OTLP/JSON a batch of spans becomes.
#include "observability/tracer.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <vector>

#include "hookd/util/clock.hpp"
#include "hookd/util/random.hpp"
#include "observability/otlp_json.hpp"

namespace hookd::server {
namespace {

struct SpansKept final : SpanSink {
  std::vector<Span> spans;
  void submit(Span&& span) override { spans.push_back(std::move(span)); }
};

struct TracerRig {
  explicit TracerRig(double ratio) : tracer(ratio, clock, *entropy, sink) {}
  util::ManualClock clock;
  std::shared_ptr<util::RandomSource> entropy = util::system_random();
  SpansKept sink;
  Tracer tracer;
};

int sampled_of(const Tracer& tracer, int requests, std::string_view traceparent = {}) {
  RequestTrace trace;
  int sampled = 0;
  for (int i = 0; i < requests; ++i) {
    tracer.begin(traceparent, {}, trace);
    sampled += trace.sampled() ? 1 : 0;
  }
  return sampled;
}

TEST(Tracer, NewTracesAreSampledAtTheRatio) {
  EXPECT_EQ(sampled_of(TracerRig(0.0).tracer, 1000), 0);
  EXPECT_EQ(sampled_of(TracerRig(1.0).tracer, 1000), 1000);
  // 4,000 draws at one half: 2,000 +- 32 (one standard deviation); the
  // bounds are more than 12 of them away.
  const int half = sampled_of(TracerRig(0.5).tracer, 4000);
  EXPECT_GT(half, 1600);
  EXPECT_LT(half, 2400);
}

TEST(Tracer, AValidParentDecidesAndIsContinued) {
  TracerRig never(0.0);
  EXPECT_EQ(sampled_of(never.tracer, 10, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"), 10);
  TracerRig always(1.0);
  EXPECT_EQ(sampled_of(always.tracer, 10, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"), 0);
  RequestTrace trace;
  always.tracer.begin("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "congo=t61rcWkgMzE", trace);
  EXPECT_TRUE(trace.active);
  EXPECT_EQ(trace.ctx.trace_id[0], 0x4b);
  EXPECT_EQ(trace.parent[7], 0xb7);
  EXPECT_NE(trace.ctx.span_id, trace.parent) << "the request's span is its own";
  EXPECT_EQ(trace.tracestate, "congo=t61rcWkgMzE");
}

TEST(Tracer, ABrokenParentStartsANewTraceAndDropsItsState) {
  TracerRig always(1.0);
  RequestTrace trace;
  always.tracer.begin("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", "congo=t61rcWkgMzE", trace);
  EXPECT_TRUE(trace.sampled());
  EXPECT_EQ(trace.parent, util::SpanId{});
  EXPECT_NE(trace.ctx.trace_id, util::TraceId{});
  EXPECT_TRUE(trace.tracestate.empty());
  always.tracer.begin("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "Bad=1", trace);
  EXPECT_TRUE(trace.tracestate.empty()) << "a tracestate that breaks a rule is dropped";
}

TEST(OtlpJson, IsTheExportTraceServiceRequestMapping) {
  Span root;
  root.trace_id.fill(0x11);
  root.span_id.fill(0x22);
  root.kind = SpanKind::kServer;
  root.name = "POST /x";
  root.start_unix_ns = 1'700'000'000'000'000'001;
  root.end_unix_ns = 1'700'000'000'000'000'002;
  root.set("http.request.method", std::string_view("POST")).set("http.response.status_code", int64_t{503});
  root.set("hookd.call.lane", true);
  root.error = true;
  Span child = root;
  child.span_id.fill(0x33);
  child.parent_id = root.span_id;
  child.kind = SpanKind::kClient;
  child.error = false;
  const std::vector<Span> spans{root, child};
  const auto body = boost::json::parse(encode_otlp_json({"svc", "1.2.3", ""}, spans));
  const auto& rs = body.at("resourceSpans").at(0);
  const auto& resource = rs.at("resource").at("attributes").as_array();
  EXPECT_EQ(resource.at(0).at("key").as_string(), "service.name");
  EXPECT_EQ(resource.at(0).at("value").at("stringValue").as_string(), "svc");
  const auto& scope = rs.at("scopeSpans").at(0);
  EXPECT_EQ(scope.at("scope").at("name").as_string(), "hookd");
  EXPECT_EQ(scope.at("scope").at("version").as_string(), "1.2.3");
  const auto& out = scope.at("spans").as_array();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].at("traceId").as_string(), "11111111111111111111111111111111");
  EXPECT_EQ(out[0].at("spanId").as_string(), "2222222222222222");
  EXPECT_FALSE(out[0].as_object().contains("parentSpanId"));
  EXPECT_EQ(out[0].at("kind").as_int64(), 2);
  EXPECT_EQ(out[0].at("startTimeUnixNano").as_string(), "1700000000000000001");
  EXPECT_EQ(out[0].at("status").at("code").as_int64(), 2);
  const auto& attrs = out[0].at("attributes").as_array();
  EXPECT_EQ(attrs.at(1).at("value").at("intValue").as_string(), "503");
  EXPECT_EQ(attrs.at(2).at("value").at("boolValue").as_bool(), true);
  EXPECT_EQ(out[1].at("parentSpanId").as_string(), "2222222222222222");
  EXPECT_EQ(out[1].at("kind").as_int64(), 3);
  EXPECT_FALSE(out[1].as_object().contains("status"));
}

}  // namespace
}  // namespace hookd::server
