// Distributed tracing end to end: a real gateway with tracing on, a real
// plugin (tests/plugins/traced.c) that makes a KV call and a fetch, a real
// upstream, and a collector that decodes the OTLP/JSON hookd sends
// (recording_http_server.hpp + Boost.JSON): the spans, their parent links,
// their attributes and resource, the trace continued from the client and
// carried to the upstream; the queue bound with a collector that never
// answers; and the flush on drain.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "eventually.hpp"
#include "gateway_fixture.hpp"
#include "http_client.hpp"
#include "recording_http_server.hpp"

namespace hookd::test {
namespace {

namespace json = boost::json;

constexpr std::string_view kClientTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr std::string_view kClientSpan = "00f067aa0ba902b7";

// One span as the collector received it.
struct CollectedSpan {
  std::string trace_id;
  std::string span_id;
  std::string parent_id;  // empty: a root
  std::string name;
  int64_t kind = 0;
  std::string start_ns;
  std::string end_ns;
  int64_t status_code = 0;
  std::map<std::string, std::string> attributes;  // every value as text
  std::map<std::string, std::string> resource;
};

std::string attribute_text(const json::object& value) {
  if (const auto* s = value.if_contains("stringValue")) return std::string(s->as_string());
  if (const auto* i = value.if_contains("intValue")) return std::string(i->as_string());
  if (const auto* b = value.if_contains("boolValue")) return b->as_bool() ? "true" : "false";
  return "?";
}

std::map<std::string, std::string> attributes_of(const json::value& list) {
  std::map<std::string, std::string> out;
  for (const auto& a : list.as_array()) {
    out[std::string(a.at("key").as_string())] = attribute_text(a.at("value").as_object());
  }
  return out;
}

// Every span of every export request, decoded as a collector's OTLP/JSON
// receiver reads them.
std::vector<CollectedSpan> collected_spans(const RecordingHttpServer& collector) {
  std::vector<CollectedSpan> out;
  for (const auto& request : collector.received()) {
    const json::value body = json::parse(request.body);
    for (const auto& rs : body.at("resourceSpans").as_array()) {
      const auto resource = attributes_of(rs.at("resource").at("attributes"));
      for (const auto& ss : rs.at("scopeSpans").as_array()) {
        for (const auto& s : ss.at("spans").as_array()) {
          const json::object& o = s.as_object();
          CollectedSpan c;
          c.trace_id = o.at("traceId").as_string();
          c.span_id = o.at("spanId").as_string();
          if (const auto* p = o.if_contains("parentSpanId")) c.parent_id = p->as_string();
          c.name = o.at("name").as_string();
          c.kind = o.at("kind").as_int64();
          c.start_ns = o.at("startTimeUnixNano").as_string();
          c.end_ns = o.at("endTimeUnixNano").as_string();
          if (const auto* st = o.if_contains("status")) c.status_code = st->at("code").as_int64();
          c.attributes = attributes_of(o.at("attributes"));
          c.resource = resource;
          out.push_back(std::move(c));
        }
      }
    }
  }
  return out;
}

std::size_t span_count(const RecordingHttpServer& collector) { return collected_spans(collector).size(); }

const CollectedSpan* find_span(const std::vector<CollectedSpan>& spans, int64_t kind,
                               std::string_view name_prefix) {
  for (const auto& s : spans) {
    if (s.kind == kind && s.name.starts_with(name_prefix)) return &s;
  }
  return nullptr;
}

config::Config traced_config(const std::filesystem::path& dir, const RecordingHttpServer& collector,
                             const RecordingHttpServer& upstream) {
  config::Config c = test_config(dir);
  c.server.workers = 1;
  c.tracing.enabled = true;
  c.tracing.collector_url = collector.origin() + "/v1/traces";
  c.tracing.service_name = "hookd-test";
  c.tracing.export_interval = std::chrono::milliseconds(20);
  auto traced = plugin_entry("traced", "traced");
  traced.settings.config["upstream"] = upstream.origin() + "/data";
  traced.settings.grants.config = true;
  traced.settings.grants.kv = config::KvGrant{"", config::KvMode::read_write};
  traced.settings.grants.fetch.push_back(*config::FetchPattern::parse(upstream.origin()));
  c.plugins.push_back(std::move(traced));
  return c;
}

// The value of an unlabelled counter on /metrics.
uint64_t counter_value(uint16_t admin_port, std::string_view name) {
  HttpClient admin(admin_port);
  const Response page = admin.get("/metrics", {{"Authorization", "Bearer test-token"}});
  const std::string needle = "\n" + std::string(name) + " ";
  const auto at = page.body().find(needle);
  if (at == std::string::npos) return UINT64_MAX;
  return std::stoull(page.body().substr(at + needle.size()));
}

TEST(Tracing, ARequestsSpansArriveWithTheirParentsAttributesAndResource) {
  TempDir dir;
  RecordingHttpServer collector;
  RecordingHttpServer upstream(RecordingHttpServer::Answer::kOk, R"({"up":1})");
  auto g = start_gateway(traced_config(dir.path(), collector, upstream));
  ASSERT_TRUE(g);

  HttpClient client(g->port());
  const std::string traceparent = "00-" + std::string(kClientTrace) + "-" + std::string(kClientSpan) + "-01";
  const Response res = client.post("/plugins/traced/visit", "",
                                   {{"traceparent", traceparent}, {"tracestate", "vendor=opaque"}});
  ASSERT_EQ(res.result_int(), 200u) << res.body();

  // The plugin read its call's span: the client's trace, sampled.
  const json::value body = json::parse(res.body());
  const std::string plugin_sees(body.at("traceparent").as_string());
  ASSERT_EQ(plugin_sees.size(), 55u) << plugin_sees;
  EXPECT_EQ(plugin_sees.substr(3, 32), kClientTrace);
  EXPECT_EQ(plugin_sees.substr(53), "01");

  ASSERT_TRUE(eventually([&] { return span_count(collector) >= 4; })) << span_count(collector);
  const auto spans = collected_spans(collector);
  ASSERT_EQ(spans.size(), 4u);
  for (const auto& s : spans) {
    EXPECT_EQ(s.trace_id, kClientTrace) << s.name;
    EXPECT_EQ(s.resource.at("service.name"), "hookd-test");
    EXPECT_LE(s.start_ns.size(), 20u);
    EXPECT_FALSE(s.start_ns.empty());
  }

  const CollectedSpan* request = find_span(spans, 2, "POST");
  const CollectedSpan* call = find_span(spans, 1, "call traced/visit");
  const CollectedSpan* kv = find_span(spans, 3, "incr");
  const CollectedSpan* fetch = find_span(spans, 3, "GET");
  ASSERT_TRUE(request && call && kv && fetch);

  // request -> plugin call -> host calls, under the client's span.
  EXPECT_EQ(request->parent_id, kClientSpan);
  EXPECT_EQ(call->parent_id, request->span_id);
  EXPECT_EQ(kv->parent_id, call->span_id);
  EXPECT_EQ(fetch->parent_id, call->span_id);
  EXPECT_EQ(plugin_sees.substr(36, 16), call->span_id);

  EXPECT_EQ(request->name, "POST /plugins/{plugin}/{fn}");
  EXPECT_EQ(request->attributes.at("http.request.method"), "POST");
  EXPECT_EQ(request->attributes.at("url.path"), "/plugins/traced/visit");
  EXPECT_EQ(request->attributes.at("url.scheme"), "http");
  EXPECT_EQ(request->attributes.at("http.route"), "/plugins/{plugin}/{fn}");
  EXPECT_EQ(request->attributes.at("http.response.status_code"), "200");
  EXPECT_EQ(request->attributes.at("server.address"), "127.0.0.1");
  EXPECT_EQ(request->attributes.at("client.address"), "127.0.0.1");
  EXPECT_EQ(request->attributes.at("hookd.plugin"), "traced");
  EXPECT_EQ(request->attributes.at("hookd.function"), "visit");
  EXPECT_EQ(request->attributes.at("hookd.request_id"), std::string(res["X-Request-Id"]));
  EXPECT_EQ(request->status_code, 0);

  EXPECT_EQ(call->attributes.at("hookd.abi"), "hookd");
  EXPECT_EQ(call->attributes.at("hookd.call.lane"), "true");  // granted fetch: the blocking lane
  EXPECT_TRUE(call->attributes.contains("hookd.instance.fresh"));
  EXPECT_TRUE(call->attributes.contains("hookd.call.queued_ns"));

  EXPECT_EQ(kv->name, "incr traced");
  EXPECT_EQ(kv->attributes.at("db.operation.name"), "incr");
  EXPECT_EQ(kv->attributes.at("db.namespace"), "traced");
  EXPECT_EQ(kv->attributes.at("db.system.name"), "lmdb");

  EXPECT_EQ(fetch->attributes.at("http.request.method"), "GET");
  EXPECT_EQ(fetch->attributes.at("server.address"), "127.0.0.1");
  EXPECT_EQ(fetch->attributes.at("server.port"), std::to_string(upstream.port()));
  EXPECT_EQ(fetch->attributes.at("http.response.status_code"), "200");

  // The upstream heard from the fetch's span, in the client's trace, with
  // the client's tracestate.
  const auto seen = upstream.received();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].headers.at("traceparent"),
            "00-" + std::string(kClientTrace) + "-" + fetch->span_id + "-01");
  EXPECT_EQ(seen[0].headers.at("tracestate"), "vendor=opaque");
}

TEST(Tracing, ABrokenTraceparentStartsANewTrace) {
  TempDir dir;
  RecordingHttpServer collector;
  RecordingHttpServer upstream;
  auto g = start_gateway(traced_config(dir.path(), collector, upstream));
  ASSERT_TRUE(g);
  HttpClient client(g->port());
  const std::string upper =
      "00-" + std::string("4BF92F3577B34DA6A3CE929D0E0E4736") + "-" + std::string(kClientSpan) + "-01";
  const Response res =
      client.post("/plugins/traced/visit", "", {{"traceparent", upper}, {"tracestate", "a=b"}});
  ASSERT_EQ(res.result_int(), 200u) << res.body();
  ASSERT_TRUE(eventually([&] { return span_count(collector) >= 4; }));
  const auto spans = collected_spans(collector);
  const CollectedSpan* request = find_span(spans, 2, "POST");
  ASSERT_TRUE(request);
  EXPECT_TRUE(request->parent_id.empty()) << "a new trace has no parent";
  EXPECT_NE(request->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(request->trace_id.size(), 32u);
  const auto seen = upstream.received();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].headers.at("traceparent").substr(3, 32), request->trace_id);
  EXPECT_FALSE(seen[0].headers.contains("tracestate")) << "a tracestate without its traceparent is dropped";
}

TEST(Tracing, RatioZeroRecordsNewTracesNotButPropagatesThemAndFollowsASampledParent) {
  TempDir dir;
  RecordingHttpServer collector;
  RecordingHttpServer upstream;
  config::Config c = traced_config(dir.path(), collector, upstream);
  c.tracing.sample_ratio = 0;
  auto g = start_gateway(c);
  ASSERT_TRUE(g);
  HttpClient client(g->port());
  ASSERT_EQ(client.post("/plugins/traced/visit", "").result_int(), 200u);
  // Not sampled: the upstream still hears the trace, flagged 00.
  auto seen = upstream.received();
  ASSERT_EQ(seen.size(), 1u);
  const std::string unsampled = seen[0].headers.at("traceparent");
  EXPECT_EQ(unsampled.size(), 55u);
  EXPECT_TRUE(unsampled.ends_with("-00")) << unsampled;

  // A sampled parent is followed (parent-based sampling).
  const std::string traceparent = "00-" + std::string(kClientTrace) + "-" + std::string(kClientSpan) + "-01";
  ASSERT_EQ(client.post("/plugins/traced/visit", "", {{"traceparent", traceparent}}).result_int(), 200u);
  g->drain();  // flushes
  const auto spans = collected_spans(collector);
  ASSERT_EQ(spans.size(), 4u) << "only the sampled request's spans";
  for (const auto& s : spans) EXPECT_EQ(s.trace_id, kClientTrace);
}

TEST(Tracing, AFullQueueDropsAndCountsSpansAndNeverHoldsAWorker) {
  TempDir dir;
  RecordingHttpServer collector(RecordingHttpServer::Answer::kNever);
  config::Config c = test_config(dir.path());
  c.server.workers = 1;
  c.tracing.enabled = true;
  c.tracing.collector_url = collector.origin() + "/v1/traces";
  c.tracing.queue_spans = 4;
  c.tracing.batch_spans = 4;
  c.tracing.export_interval = std::chrono::milliseconds(1);
  c.tracing.export_timeout = std::chrono::milliseconds(600'000);
  c.tracing.export_retries = 0;
  auto g = start_gateway(c);
  ASSERT_TRUE(g);
  HttpClient client(g->port());
  // Each request makes two spans (the request's and the call's): 100 of
  // them, while the collector holds the first export of at most 4.
  constexpr int kRequests = 50;
  for (int i = 0; i < kRequests; ++i) {
    const Response res = client.post("/plugins/echo/echo", "hi");
    ASSERT_EQ(res.result_int(), 200u);
    ASSERT_EQ(res.body(), "hi");
  }
  ASSERT_TRUE(collector.wait_until([](const auto& r) { return !r.empty(); }));
  // In the queue at most 4, in the held export at most 4: the rest dropped.
  EXPECT_GE(counter_value(g->admin_port(), "hookd_trace_spans_dropped_total"), 2u * kRequests - 8);
  EXPECT_EQ(counter_value(g->admin_port(), "hookd_trace_spans_exported_total"), 0u);
}

TEST(Tracing, DrainFlushesTheSpansStillQueued) {
  TempDir dir;
  RecordingHttpServer collector;
  config::Config c = test_config(dir.path());
  c.server.workers = 1;
  c.tracing.enabled = true;
  c.tracing.collector_url = collector.origin() + "/v1/traces";
  // Nothing would be sent for ten minutes, or before 512 spans.
  c.tracing.export_interval = std::chrono::milliseconds(600'000);
  auto g = start_gateway(c);
  ASSERT_TRUE(g);
  HttpClient client(g->port());
  for (int i = 0; i < 3; ++i) ASSERT_EQ(client.post("/plugins/echo/echo", "x").result_int(), 200u);
  client.close();
  EXPECT_TRUE(collector.received().empty());
  EXPECT_TRUE(g->drain());
  const auto spans = collected_spans(collector);
  EXPECT_EQ(spans.size(), 6u) << "three requests, each with its call";
}

// The whole text of a file; empty while it does not exist.
std::string traced_file_text(const std::filesystem::path& file) {
  std::ifstream in(file);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(Tracing, ASampledRequestsAccessLineCarriesItsTraceAndSpan) {
  TempDir dir;
  RecordingHttpServer collector;
  RecordingHttpServer upstream;
  config::Config c = traced_config(dir.path(), collector, upstream);
  c.log.access_log = true;
  c.log.access_log_file = (dir.path() / "access.log").string();
  c.log.access_log_flush_interval = std::chrono::milliseconds(10);
  auto g = start_gateway(c);
  ASSERT_TRUE(g);
  HttpClient client(g->port());
  const std::string traceparent = "00-" + std::string(kClientTrace) + "-" + std::string(kClientSpan) + "-01";
  ASSERT_EQ(client.post("/plugins/traced/visit", "", {{"traceparent", traceparent}}).result_int(), 200u);
  ASSERT_TRUE(eventually([&] { return span_count(collector) >= 4; }));
  const auto spans = collected_spans(collector);
  const CollectedSpan* request = find_span(spans, 2, "POST");
  ASSERT_TRUE(request);
  const std::string expected =
      " trace_id=" + std::string(kClientTrace) + " span_id=" + request->span_id + "\n";
  EXPECT_TRUE(eventually([&] {
    return traced_file_text(dir.path() / "access.log").find(expected) != std::string::npos;
  })) << traced_file_text(dir.path() / "access.log");
  // Not sampled: no ids on the line.
  ASSERT_EQ(client.post("/plugins/traced/visit", "", {{"traceparent", traceparent.substr(0, 53) + "00"}})
                .result_int(),
            200u);
  EXPECT_TRUE(eventually([&] {
    const std::string text = traced_file_text(dir.path() / "access.log");
    return std::count(text.begin(), text.end(), '\n') == 2;
  }));
  const std::string text = traced_file_text(dir.path() / "access.log");
  EXPECT_EQ(text.find("trace_id=", text.find('\n')), std::string::npos) << text;
}

TEST(Tracing, OffByDefaultSendsAndPropagatesNothing) {
  TempDir dir;
  RecordingHttpServer upstream;
  RecordingHttpServer collector;
  config::Config c = traced_config(dir.path(), collector, upstream);
  c.tracing.enabled = false;
  auto g = start_gateway(c);
  ASSERT_TRUE(g);
  HttpClient client(g->port());
  const Response res = client.post("/plugins/traced/visit", "");
  ASSERT_EQ(res.result_int(), 200u) << res.body();
  EXPECT_EQ(std::string(json::parse(res.body()).at("traceparent").as_string()), "");
  const auto seen = upstream.received();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_FALSE(seen[0].headers.contains("traceparent"));
  EXPECT_TRUE(collector.received().empty());
}

}  // namespace
}  // namespace hookd::test
