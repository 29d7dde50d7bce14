// The log lines a plugin's host calls cause (a refused grant, a failed fetch)
// are held to the plugin's log rate, cut and escaped, and the ones past the
// rate are counted in /metrics: a plugin calling in a loop cannot flood the
// log, nor slow its own request down by writing it.
#include <gtest/gtest.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <chrono>
#include <cstring>
#include <mutex>

#include "admin_client.hpp"
#include "gateway_fixture.hpp"
#include "hookd/host/fetch.hpp"
#include "hookd/server/log_format.hpp"
#include "http_client.hpp"

namespace hookd::test {
namespace {

// Counts the lines that mention one plugin, without keeping them (the old
// code wrote gigabytes), and remembers the longest.
class CountingSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  // `url_bytes`: the length of the URLs the plugin fetches, which each line
  // must name where it cuts the URL.
  CountingSink(std::string needle, size_t url_bytes)
      : needle_(std::move(needle)), cut_mark_("... (" + std::to_string(url_bytes) + " bytes)") {}
  size_t denied = 0;
  size_t fetch_failed = 0;
  size_t longest = 0;
  bool all_cut = true;  // every fetch line says how much of the URL it left out
  bool one_line_each = true;

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t line;
    formatter_->format(msg, line);
    const std::string_view l(line.data(), line.size());
    if (l.find(needle_) == std::string_view::npos) return;
    if (l.find("denied: kv is not granted") != std::string_view::npos) ++denied;
    if (l.find("] fetch http://denied.test/") != std::string_view::npos) {
      ++fetch_failed;
      all_cut = all_cut && l.find(cut_mark_) != std::string_view::npos;
    }
    one_line_each = one_line_each && l.find('\n') == l.size() - 1;
    longest = std::max(longest, l.size());
  }
  void flush_() override {}

 private:
  std::string needle_;
  std::string cut_mark_;
};

uint64_t metric_value(const std::string& page, std::string_view series) {
  const auto at = page.find(std::string(series) + " ");
  if (at == std::string::npos) return UINT64_MAX;
  uint64_t v = 0;
  const char* begin = page.data() + at + series.size() + 1;
  std::from_chars(begin, page.data() + page.size(), v);
  return v;
}

TEST(HostCallLog, RefusedCallsAndFailedFetchesAreHeldToThePluginsLogRate) {
  constexpr uint32_t kCalls = 20'000;
  // The longest URL a fetch parses (a longer one is refused before it is
  // parsed, see FetchUrlLength): each is parsed, refused by the allowlist
  // and quoted in a line that must be cut.
  constexpr auto kUrlBytes = static_cast<uint32_t>(host::kMaxFetchUrlBytes);
  constexpr uint32_t kRate = 50;

  auto sink = std::make_shared<CountingSink>("[plugin flood]", kUrlBytes);
  sink->set_formatter(server::make_log_formatter(config::LogFormat::text));
  spdlog::default_logger()->sinks().push_back(sink);

  auto c = test_config(fresh_dir("hostcall-log"));
  auto flood = plugin_entry("flood", "hostcall_flood");
  flood.settings.grants.log_rate_per_sec = kRate;
  flood.settings.grants.fetch.push_back(*config::FetchPattern::parse("http://allowed.test"));
  // Room for 40,000 host calls on a loaded machine: the bound under test is
  // the log's, not the deadline's.
  constexpr auto kDeadline = std::chrono::seconds(60);
  flood.settings.limits.deadline = kDeadline;
  c.plugins.push_back(flood);
  auto g = start_gateway(std::move(c));
  ASSERT_NE(g, nullptr);

  std::string input(8, '\0');
  std::memcpy(input.data(), &kCalls, 4);
  std::memcpy(input.data() + 4, &kUrlBytes, 4);
  const auto start = std::chrono::steady_clock::now();
  // The client waits as long as the call may run (its default bound is
  // shorter than this call takes on a loaded box).
  auto r = HttpClient(g->port(), kDeadline + std::chrono::seconds(10)).post("/plugins/flood/flood", input);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(r.result_int(), 200) << r.body();
  EXPECT_EQ(r.body(), "20000 20000");

  auto metrics = AdminClient(g->admin_port(), "test-token").send(http::verb::get, "/metrics");
  spdlog::default_logger()->sinks().pop_back();

  // The rate is per second window: the call spans ceil(elapsed) + 1 windows at most.
  const auto windows = std::chrono::duration_cast<std::chrono::seconds>(elapsed).count() + 2;
  const size_t written = sink->denied + sink->fetch_failed;
  EXPECT_GT(written, 0u);
  EXPECT_LE(written, kRate * static_cast<size_t>(windows)) << "in " << windows << " windows";
  EXPECT_TRUE(sink->all_cut);
  EXPECT_TRUE(sink->one_line_each);
  EXPECT_LT(sink->longest, 2048u);

  ASSERT_EQ(metrics.result_int(), 200);
  const uint64_t dropped = metric_value(metrics.body(), R"(hookd_plugin_log_dropped_total{plugin="flood"})");
  EXPECT_EQ(dropped + written, 2u * kCalls) << metrics.body();
  // Every fetch was refused by the grant, and counted so.
  EXPECT_EQ(metric_value(metrics.body(), R"(hookd_fetch_requests_total{outcome="not_allowed"})"), kCalls)
      << metrics.body();
  EXPECT_EQ(metric_value(metrics.body(), R"(hookd_fetch_requests_total{outcome="ok"})"), 0u);
}

}  // namespace
}  // namespace hookd::test
