#include "hookd/load/report.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>

#include "hookd/load/plot.hpp"
#include "hookd/load/runner.hpp"
#include "run_helpers.hpp"
#include "test_server.hpp"

namespace hookd::load {
namespace {

using test::options;
using test::TestServer;

TEST(Report, JsonHasTotalsLatencyAndTimeSeries) {
  TestServer server;
  const auto o = options({server.url("/ok"), "-d", "1200ms", "-c", "2"});
  auto r = run(o);
  ASSERT_TRUE(r.has_value()) << r.error();
  const auto json = boost::json::parse(format_json(o, *r)).as_object();
  EXPECT_EQ(json.at("requests").to_number<std::uint64_t>(), r->total.requests);
  EXPECT_EQ(json.at("status").as_object().at("200").to_number<std::uint64_t>(), r->total.status[200]);
  EXPECT_TRUE(json.at("errors").as_object().contains("timeout"));
  EXPECT_TRUE(json.at("latency_ns").as_object().contains("p99.9"));
  const auto& series = json.at("timeline").as_array();
  ASSERT_EQ(series.size(), 2u);
  EXPECT_TRUE(series[0].as_object().contains("p99_ns"));
  EXPECT_TRUE(series[0].as_object().contains("requests_per_s"));

  const auto table = format_table(o, *r);
  for (const char* want : {"p99.9", "requests", "200:", "timeout 0"})
    EXPECT_NE(table.find(want), std::string::npos) << want << "\n" << table;
}

TEST(Report, LatencyUnits) {
  EXPECT_EQ(format_latency(850), "850ns");
  EXPECT_EQ(format_latency(12'300), "12.3us");
  EXPECT_EQ(format_latency(4'560'000), "4.56ms");
  EXPECT_EQ(format_latency(1'234'000'000), "1.234s");
}

TEST(Plot, RendersAPngWhenGnuplotIsInstalled) {
  if (!check_plot_tool()) GTEST_SKIP() << "gnuplot not installed";
  std::vector<Sample> samples(3);
  for (std::uint64_t i = 0; i < 3; ++i) {
    samples[i].second = i;
    samples[i].requests = 1000 * (i + 1);
    samples[i].p50_ns = 1'000'000;
    samples[i].p99_ns = 5'000'000 * (i + 1);
    samples[i].max_ns = 9'000'000 * (i + 1);
  }
  const auto png = testing::TempDir() + "/hookd-load-plot-test.png";
  std::filesystem::remove(png);
  auto result = render_plot(samples, png, "test");
  ASSERT_TRUE(result.has_value()) << result.error();
  EXPECT_GT(std::filesystem::file_size(png), 1000u);
}

TEST(Plot, ScriptReadsTheDataFileAndWritesThePng) {
  const auto script = plot_script("/tmp/d.tsv", "/tmp/o'ut.png", "t");
  EXPECT_NE(script.find("'/tmp/o''ut.png'"), std::string::npos);
  EXPECT_NE(script.find("'/tmp/d.tsv' using 1:5"), std::string::npos);
}

}  // namespace
}  // namespace hookd::load
