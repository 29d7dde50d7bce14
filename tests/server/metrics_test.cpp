// Metrics: the exposition text is valid Prometheus 0.0.4, values from all
// shards add up, histograms are cumulative, and render() may run while
// workers record.
#include "observability/metrics.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <charconv>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "prometheus_text.hpp"

namespace hookd::server {
namespace {

using namespace std::chrono_literals;
using test::prometheus::Labels;
using test::prometheus::parse;
using test::prometheus::parse_value;
using test::prometheus::Parsed;
using test::prometheus::Sample;
using test::prometheus::value;

Parsed render_and_parse(const Metrics& m) {
  Parsed p = parse(m.render());
  for (const auto& e : p.errors) ADD_FAILURE() << e;
  return p;
}

const std::vector<std::string> kAllFamilies = {
    "hookd_requests_total",
    "hookd_request_errors_total",
    "hookd_request_duration_seconds",
    "hookd_in_flight_requests",
    "hookd_plugin_memory_bytes",
    "hookd_plugin_loads_total",
    "hookd_plugin_replacements_total",
    "hookd_plugin_unloads_total",
    "hookd_connections_total",
    "hookd_connections_rejected_total",
    "hookd_requests_refused_total",
    "hookd_fetch_requests_total",
    "hookd_plugin_log_dropped_total",
    "hookd_start_time_seconds",
    "hookd_build_info",
    "hookd_open_websocket_sessions",
    "hookd_websocket_sessions_closed_total",
    "hookd_plugin_compile_seconds",
    "hookd_plugin_instantiate_seconds",
    "hookd_kv_calls_total",
    "hookd_kv_errors_total",
    "hookd_kv_call_duration_seconds",
    "hookd_kv_bytes_total",
    "hookd_fetch_calls_total",
    "hookd_fetch_errors_total",
    "hookd_fetch_duration_seconds",
    "hookd_fetch_bytes_total",
};

// Checks the invariants of every histogram series in `p`; returns how many it saw.
size_t check_histograms(const Parsed& p, std::string_view family) {
  const std::string bucket = std::string(family) + "_bucket";
  std::map<Labels, std::vector<const Sample*>> series;  // labels without le -> buckets in order
  for (const Sample& s : p.samples) {
    if (s.name != bucket) continue;
    Labels key = s.labels;
    key.erase("le");
    series[key].push_back(&s);
  }
  for (const auto& [labels, buckets] : series) {
    EXPECT_EQ(buckets.size(), kDurationBuckets.size() + 1);
    double prev_value = 0;
    double prev_le = -1;
    for (const Sample* b : buckets) {
      const double le = parse_value(b->labels.at("le")).value();
      EXPECT_GT(le, prev_le) << "bucket bounds ascend";
      EXPECT_GE(b->value, prev_value) << "buckets are cumulative";
      prev_le = le;
      prev_value = b->value;
    }
    EXPECT_EQ(buckets.back()->labels.at("le"), "+Inf");
    EXPECT_EQ(value(p, std::string(family) + "_count", labels), buckets.back()->value)
        << "_count equals the +Inf bucket";
    EXPECT_TRUE(value(p, std::string(family) + "_sum", labels));
  }
  return series.size();
}

// ---- Format -----------------------------------------------------------------

TEST(MetricsFormat, EmptyMetricsDeclareEveryFamilyOnce) {
  Metrics m(2);
  const Parsed p = render_and_parse(m);
  for (const auto& family : kAllFamilies) {
    EXPECT_TRUE(p.types.contains(family)) << family;
    EXPECT_TRUE(p.helps.contains(family)) << family;
  }
  EXPECT_EQ(p.types.size(), kAllFamilies.size());
  EXPECT_EQ(p.types.at("hookd_request_duration_seconds"), "histogram");
  EXPECT_EQ(p.types.at("hookd_requests_total"), "counter");
  EXPECT_EQ(p.types.at("hookd_plugin_memory_bytes"), "gauge");
}

TEST(MetricsFormat, EverySampleLineParsesAfterBusyUse) {
  Metrics m(3);
  for (size_t w = 0; w < m.workers(); ++w) {
    MetricsShard& s = m.shard(w);
    s.record(s.fn("echo", "run"), 200, "", 120us);
    s.record(s.fn("echo", "run"), 500, "trap", 3ms);
    s.record(s.fn("", ""), 404, "not_found", 5us);
    s.set_plugin_memory("echo", 65536 * (w + 1));
    s.add_in_flight(1);
  }
  m.count_plugin_load("echo");
  m.count_plugin_replace("echo");
  m.count_plugin_unload("old");
  m.count_connection("public");
  m.count_rejected_connection(Listener::kAdmin);

  const Parsed p = render_and_parse(m);
  EXPECT_EQ(check_histograms(p, "hookd_request_duration_seconds"), 2u);
  EXPECT_EQ(value(p, "hookd_in_flight_requests"), 3);
  EXPECT_EQ(value(p, "hookd_plugin_memory_bytes", {{"plugin", "echo"}, {"worker", "1"}}), 131072);
  EXPECT_EQ(value(p, "hookd_plugin_loads_total", {{"plugin", "echo"}}), 1);
  EXPECT_EQ(value(p, "hookd_plugin_replacements_total", {{"plugin", "echo"}}), 1);
  EXPECT_EQ(value(p, "hookd_plugin_unloads_total", {{"plugin", "old"}}), 1);
  EXPECT_EQ(value(p, "hookd_plugin_loads_total", {{"plugin", "old"}}), 0)
      << "lifecycle families share plugins";
  EXPECT_EQ(value(p, "hookd_connections_total", {{"listener", "public"}}), 1);
  EXPECT_EQ(value(p, "hookd_connections_rejected_total", {{"listener", "admin"}}), 1);
  EXPECT_EQ(value(p, "hookd_requests_total", {{"plugin", ""}, {"fn", ""}, {"code", "404"}}), 3);
}

TEST(MetricsFormat, LabelValuesEscapeBackslashQuoteAndNewline) {
  Metrics m(1);
  const std::string nasty = "a\"b\\c\nd";
  m.shard(0).record(m.shard(0).fn(nasty, "f"), 200, "", 1ms);
  const std::string text = m.render();
  EXPECT_NE(text.find(R"(plugin="a\"b\\c\nd")"), std::string::npos) << text;

  const Parsed p = render_and_parse(m);
  EXPECT_EQ(value(p, "hookd_requests_total", {{"plugin", nasty}, {"code", "200"}}), 1) << "round-trips";
}

TEST(MetricsFormat, StartTimeIsSecondsSinceEpoch) {
  const auto start = std::chrono::system_clock::time_point(std::chrono::milliseconds(1'700'000'000'250));
  Metrics m(1, start);
  const Parsed p = render_and_parse(m);
  EXPECT_EQ(value(p, "hookd_start_time_seconds"), 1'700'000'000.25);
}

TEST(MetricsFormat, BucketBoundsAreTheDocumentedSeconds) {
  Metrics m(1);
  m.shard(0).fn("p", "f");
  const Parsed p = render_and_parse(m);
  std::vector<std::string> les;
  for (const Sample& s : p.samples) {
    if (s.name == "hookd_request_duration_seconds_bucket") les.push_back(s.labels.at("le"));
  }
  const std::vector<std::string> want = {"0.00005", "0.0001", "0.00025", "0.0005", "0.001", "0.0025",
                                         "0.005",   "0.01",   "0.025",   "0.05",   "0.1",   "0.25",
                                         "0.5",     "1",      "2.5",     "5",      "10",    "+Inf"};
  EXPECT_EQ(les, want);
}

// ---- Values -----------------------------------------------------------------

TEST(Metrics, CountsFromShardsWrittenOnTheirOwnThreadsAreSummed) {
  constexpr size_t kWorkers = 4;
  constexpr int kRequests = 20'000;
  Metrics m(kWorkers);
  std::vector<std::thread> threads;
  for (size_t w = 0; w < kWorkers; ++w) {
    threads.emplace_back([&m, w] {
      MetricsShard& s = m.shard(w);
      MetricsShard::FnStats* echo = s.fn("echo", "run");
      for (int i = 0; i < kRequests; ++i) {
        const bool fail = i % 10 == 0;
        s.record(echo, fail ? 504 : 200, fail ? "timeout" : "", std::chrono::microseconds(i % 300));
      }
    });
  }
  for (auto& t : threads) t.join();

  const Parsed p = render_and_parse(m);
  const double total = kWorkers * kRequests;
  EXPECT_EQ(value(p, "hookd_requests_total", {{"plugin", "echo"}, {"fn", "run"}, {"code", "200"}}),
            total * 0.9);
  EXPECT_EQ(value(p, "hookd_requests_total", {{"plugin", "echo"}, {"fn", "run"}, {"code", "504"}}),
            total * 0.1);
  EXPECT_EQ(value(p, "hookd_request_errors_total", {{"plugin", "echo"}, {"kind", "timeout"}}), total * 0.1);
  EXPECT_EQ(value(p, "hookd_request_duration_seconds_count", {{"plugin", "echo"}}), total);
  EXPECT_EQ(check_histograms(p, "hookd_request_duration_seconds"), 1u) << "one series for all shards";
}

TEST(Metrics, LatencyLandsInTheFirstBucketWhoseBoundHoldsIt) {
  struct Case {
    std::chrono::nanoseconds latency;
    std::string le;  // smallest bucket that counts it
  };
  const std::vector<Case> cases = {
      {0ns, "0.00005"}, {50us, "0.00005"}, {50001ns, "0.0001"}, {1ms, "0.001"},    {1001us, "0.0025"},
      {700ms, "1"},     {10s, "10"},       {11s, "+Inf"},       {-5ms, "0.00005"},  // a clock stepping back
                                                                                    // counts as zero
  };
  for (const Case& c : cases) {
    Metrics m(1);
    m.shard(0).record(m.shard(0).fn("p", "f"), 200, "", c.latency);
    const Parsed p = render_and_parse(m);
    bool seen = false;
    for (const Sample& s : p.samples) {
      if (s.name != "hookd_request_duration_seconds_bucket") continue;
      seen = seen || s.labels.at("le") == c.le;
      EXPECT_EQ(s.value, seen ? 1 : 0) << "latency " << c.latency.count() << "ns, le=" << s.labels.at("le");
    }
    EXPECT_TRUE(seen) << c.le;
  }
}

TEST(Metrics, HistogramSumIsInSeconds) {
  Metrics m(2);
  m.shard(0).record(m.shard(0).fn("p", "f"), 200, "", 1500ms);
  m.shard(1).record(m.shard(1).fn("p", "f"), 200, "", 250ms);
  const Parsed p = render_and_parse(m);
  EXPECT_DOUBLE_EQ(value(p, "hookd_request_duration_seconds_sum", {{"plugin", "p"}}).value(), 1.75);
  EXPECT_EQ(value(p, "hookd_request_duration_seconds_count", {{"plugin", "p"}}), 2);
}

TEST(Metrics, ErrorKindsOutsideTheVocabularyCountAsOther) {
  Metrics m(1);
  MetricsShard& s = m.shard(0);
  MetricsShard::FnStats* f = s.fn("p", "f");
  s.record(f, 200, "", 1ms);
  s.record(f, 500, "trap", 1ms);
  s.record(f, 500, "something client chose", 1ms);
  s.record(f, 500, "another", 1ms);
  const Parsed p = render_and_parse(m);
  EXPECT_EQ(value(p, "hookd_request_errors_total", {{"kind", "trap"}}), 1);
  EXPECT_EQ(value(p, "hookd_request_errors_total", {{"kind", "other"}}), 2);
  size_t error_series = 0;
  for (const Sample& s : p.samples) error_series += s.name == "hookd_request_errors_total";
  EXPECT_EQ(error_series, 2u) << "kinds never seen are not rendered";
}

TEST(Metrics, ManyDistinctOrInvalidStatusCodesStayBounded) {
  Metrics m(1);
  MetricsShard& s = m.shard(0);
  MetricsShard::FnStats* f = s.fn("p", "f");
  for (int code = 200; code < 220; ++code) s.record(f, code, "", 1ms);
  s.record(f, -1, "", 1ms);
  s.record(f, 1000, "", 1ms);
  const Parsed p = render_and_parse(m);
  EXPECT_EQ(value(p, "hookd_requests_total", {{"code", "200"}}), 1);
  double sum = 0;
  size_t series = 0;
  for (const Sample& x : p.samples) {
    if (x.name != "hookd_requests_total") continue;
    sum += x.value;
    ++series;
  }
  EXPECT_EQ(sum, 22) << "no request is lost";
  EXPECT_LE(series, 9u);
  EXPECT_EQ(value(p, "hookd_requests_total", {{"code", "other"}}), 22 - 8);
}

TEST(Metrics, FnReturnsTheSameStatsForTheSamePair) {
  Metrics m(2);
  MetricsShard& s = m.shard(0);
  MetricsShard::FnStats* a = s.fn("p", "f");
  EXPECT_EQ(s.fn(std::string("p"), std::string("f")), a) << "found by value, not by pointer";
  EXPECT_NE(s.fn("p", "g"), a);
  EXPECT_NE(s.fn("pf", ""), s.fn("p", "f")) << "labels are not concatenated";
  EXPECT_NE(m.shard(1).fn("p", "f"), a) << "each shard has its own";
}

TEST(Metrics, SeriesBeyondTheCapGoToOneOverflowSeries) {
  Metrics m(1, std::chrono::system_clock::now(), /*max_series_per_shard=*/2);
  MetricsShard& s = m.shard(0);
  s.record(s.fn("a", "f"), 200, "", 1ms);
  s.record(s.fn("b", "f"), 200, "", 1ms);
  for (int i = 0; i < 50; ++i) s.record(s.fn("c" + std::to_string(i), "f"), 200, "", 1ms);
  const Parsed p = render_and_parse(m);
  EXPECT_EQ(value(p, "hookd_requests_total", {{"plugin", "_overflow"}}), 50);
  EXPECT_EQ(check_histograms(p, "hookd_request_duration_seconds"), 3u);
}

TEST(Metrics, MemoryGaugeIsReplacedAndDisappearsWhenThePluginIsRemoved) {
  Metrics m(2);
  m.shard(0).set_plugin_memory("p", 65536);
  m.shard(0).set_plugin_memory("p", 131072);
  m.shard(1).set_plugin_memory("p", 65536);
  m.shard(0).set_plugin_memory("q", 1);
  Parsed p = render_and_parse(m);
  EXPECT_EQ(value(p, "hookd_plugin_memory_bytes", {{"plugin", "p"}, {"worker", "0"}}), 131072);
  EXPECT_EQ(value(p, "hookd_plugin_memory_bytes", {{"plugin", "p"}, {"worker", "1"}}), 65536);

  m.shard(0).remove_plugin("p");
  m.shard(0).remove_plugin("never loaded");
  p = render_and_parse(m);
  EXPECT_FALSE(value(p, "hookd_plugin_memory_bytes", {{"plugin", "p"}, {"worker", "0"}}));
  EXPECT_EQ(value(p, "hookd_plugin_memory_bytes", {{"plugin", "p"}, {"worker", "1"}}), 65536)
      << "other workers keep theirs until they drop it";
  EXPECT_EQ(value(p, "hookd_plugin_memory_bytes", {{"plugin", "q"}}), 1);
}

TEST(Metrics, RequestCountersSurvivePluginRemoval) {
  Metrics m(1);
  MetricsShard& s = m.shard(0);
  MetricsShard::FnStats* f = s.fn("p", "f");
  s.record(f, 200, "", 1ms);
  s.set_plugin_memory("p", 1);
  s.remove_plugin("p");
  s.record(f, 200, "", 1ms);  // a cached pointer stays valid
  const Parsed p = render_and_parse(m);
  EXPECT_EQ(value(p, "hookd_requests_total", {{"plugin", "p"}}), 2);
}

TEST(Metrics, InFlightSumsShards) {
  Metrics m(2);
  m.shard(0).add_in_flight(1);
  m.shard(0).add_in_flight(1);
  m.shard(1).add_in_flight(1);
  m.shard(0).add_in_flight(-1);
  const Parsed p = render_and_parse(m);
  EXPECT_EQ(value(p, "hookd_in_flight_requests"), 2);
}

TEST(Metrics, UnknownListenersDoNotCreateLabels) {
  Metrics m(1);
  m.count_connection("public");
  m.count_connection(Listener::kPublic);
  m.count_connection("from a header");
  const Parsed p = render_and_parse(m);
  EXPECT_EQ(value(p, "hookd_connections_total", {{"listener", "public"}}), 2);
  EXPECT_EQ(value(p, "hookd_connections_total", {{"listener", "other"}}), 1);
}

// ---- Concurrency ------------------------------------------------------------

// Run under -fsanitize=thread to prove the absence of data races; without it,
// it still checks that every intermediate render is valid and consistent.
TEST(MetricsConcurrency, RenderWhileWorkersRecordCreateAndDropSeries) {
  constexpr size_t kWorkers = 3;
  constexpr int kMinRequests = 20'000;
  // Workers keep going until this many renders have run, so the renders
  // overlap the recording even when a sanitizer slows render() down.
  constexpr size_t kMinRenders = 5;
  Metrics m(kWorkers);
  std::atomic<size_t> renders{0};
  std::atomic<size_t> done{0};
  std::vector<uint64_t> recorded(kWorkers, 0);
  std::vector<std::thread> threads;
  for (size_t w = 0; w < kWorkers; ++w) {
    threads.emplace_back([&, w] {
      MetricsShard& s = m.shard(w);
      MetricsShard::FnStats* hot = s.fn("hot", "run");
      int i = 0;
      for (; i < kMinRequests || renders.load() < kMinRenders; ++i) {
        s.add_in_flight(1);
        s.record(hot, i % 7 == 0 ? 500 : 200, i % 7 == 0 ? "trap" : "", std::chrono::microseconds(i % 5000));
        if (i % 500 == 0) {
          // New pairs and gauges appear and vanish while render() reads.
          const std::string name = "p" + std::to_string(i / 500 % 200);
          s.record(s.fn(name, "f"), 200, "", 1ms);
          s.set_plugin_memory(name, static_cast<uint64_t>(i));
          if (i % 1000 == 0) s.remove_plugin(name);
        }
        s.add_in_flight(-1);
      }
      recorded[w] = static_cast<uint64_t>(i);
      done.fetch_add(1);
    });
  }
  // Ends when the workers do: they stop after kMinRenders renders.
  while (done.load() < kWorkers) {
    m.count_connection(Listener::kPublic);
    const Parsed p = parse(m.render());
    renders.fetch_add(1);
    if (!p.errors.empty()) {
      ADD_FAILURE() << p.errors.front();
      renders.store(kMinRenders);  // let the workers finish, then join them
      break;
    }
    check_histograms(p, "hookd_request_duration_seconds");
  }
  for (auto& t : threads) t.join();

  const Parsed p = render_and_parse(m);
  double total = 0;
  for (uint64_t n : recorded) total += static_cast<double>(n);
  EXPECT_EQ(value(p, "hookd_request_duration_seconds_count", {{"plugin", "hot"}}), total);
  EXPECT_EQ(value(p, "hookd_in_flight_requests"), 0);
  EXPECT_GE(value(p, "hookd_requests_total", {{"plugin", "p3"}, {"code", "200"}}), kWorkers)
      << "every shard's series";
  EXPECT_EQ(value(p, "hookd_connections_total", {{"listener", "public"}}),
            static_cast<double>(renders.load()));
  EXPECT_GE(renders.load(), kMinRenders);
}

}  // namespace
}  // namespace hookd::server
