// Plugin logs reach the gateway log tagged with plugin and request id, capped
// by the plugin's grant: a most-verbose level and a per-second budget.
#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include "gateway_fixture.hpp"
#include "http_client.hpp"

namespace hookd::test {
namespace {

size_t count_lines(const std::vector<std::string>& lines, std::string_view needle) {
  size_t n = 0;
  for (const auto& l : lines) n += l.find(needle) != std::string::npos;
  return n;
}

TEST(PluginLog, LevelAndRateLimitsApplyAndLinesCarryTheRequestId) {
  auto sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(10000);
  spdlog::default_logger()->sinks().push_back(sink);
  spdlog::set_level(spdlog::level::trace);

  auto c = test_config(fresh_dir("log"));
  auto quiet = plugin_entry("quiet", "misc");
  quiet.settings.grants.log_level = config::LogLevel::warn;
  quiet.settings.grants.log_rate_per_sec = 1000;
  c.plugins.push_back(quiet);
  auto chatty = plugin_entry("chatty", "misc");
  chatty.settings.grants.log_level = config::LogLevel::trace;
  chatty.settings.grants.log_rate_per_sec = 3;
  c.plugins.push_back(chatty);
  auto g = start_gateway(std::move(c));
  ASSERT_NE(g, nullptr);
  HttpClient client(g->port());

  auto r = client.post("/plugins/quiet/log", "note-q", {{"X-Request-Id", "req-quiet-1"}});
  ASSERT_EQ(r.result_int(), 200);
  // misc.log logs its input once per level; only warn and error pass.
  auto lines = sink->last_formatted();
  EXPECT_EQ(count_lines(lines, "note-q"), 2u);
  EXPECT_EQ(count_lines(lines, "[plugin quiet] [req-quiet-1] note-q"), 2u);

  // 4 calls x 5 levels = 20 lines asked for within (almost surely) one
  // second; the budget lets 3 through per second window, so at most 6 even
  // if the calls straddle a window boundary.
  for (int i = 0; i < 4; ++i) ASSERT_EQ(client.post("/plugins/chatty/log", "note-c").result_int(), 200);
  lines = sink->last_formatted();
  const size_t passed = count_lines(lines, "note-c");
  EXPECT_GE(passed, 3u);
  EXPECT_LE(passed, 6u);

  auto& sinks = spdlog::default_logger()->sinks();
  sinks.erase(std::remove(sinks.begin(), sinks.end(), sink), sinks.end());
  spdlog::set_level(spdlog::level::info);
}

}  // namespace
}  // namespace hookd::test
