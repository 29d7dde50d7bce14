// Plugin logs reach the gateway log tagged with plugin and request id, capped
// by the plugin's grant: a most-verbose level and a per-second budget.
#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "gateway_fixture.hpp"
#include "hookd/server/log_format.hpp"
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

// What a client sends a plugin that logs its input: a forged line after a
// newline, ANSI sequences that erase and move the cursor, a carriage return,
// bytes that are not UTF-8, and a C1 control (U+009B, a one-byte CSI).
const std::string kForgery =
    "hello\n2026-01-01 00:00:00.000 [info] admin token rotated\x1b[2K\x1b[1A\r\xff\xfe\xc2\x9b ok";

// Captures the default logger's lines in `format` for the life of the object.
class CapturedLog {
 public:
  explicit CapturedLog(config::LogFormat format)
      : sink_(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(1000)) {
    sink_->set_formatter(server::make_log_formatter(format));
    spdlog::default_logger()->sinks().push_back(sink_);
    spdlog::set_level(spdlog::level::trace);
  }
  ~CapturedLog() {
    auto& sinks = spdlog::default_logger()->sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
    spdlog::set_level(spdlog::level::info);
  }
  std::vector<std::string> lines_with(std::string_view needle) const {
    std::vector<std::string> out;
    for (auto& l : sink_->last_formatted()) {
      if (l.find(needle) != std::string::npos) out.push_back(l);
    }
    return out;
  }

 private:
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
};

std::unique_ptr<server::Gateway> forger_gateway(config::LogFormat format) {
  auto c = test_config(fresh_dir("log-forge"));
  c.log.format = format;
  auto forger = plugin_entry("forger", "misc");
  forger.settings.grants.log_level = config::LogLevel::trace;
  forger.settings.grants.log_rate_per_sec = 1000;
  c.plugins.push_back(forger);
  return start_gateway(std::move(c));
}

TEST(PluginLog, AClientCannotForgeLogLinesThroughAPluginInTheTextFormat) {
  CapturedLog log(config::LogFormat::text);
  auto g = forger_gateway(config::LogFormat::text);
  ASSERT_NE(g, nullptr);
  HttpClient client(g->port());
  ASSERT_EQ(client.post("/plugins/forger/log", kForgery, {{"X-Request-Id", "req-forge-1"}}).result_int(),
            200);

  auto lines = log.lines_with("req-forge-1");
  ASSERT_EQ(lines.size(), 5u);  // one per level, each on one line
  for (const auto& l : lines) {
    ASSERT_FALSE(l.empty());
    const std::string_view body(l.data(), l.size() - 1);  // without the line end
    EXPECT_EQ(body.find_first_of("\n\r\x1b"), std::string_view::npos) << l;
    EXPECT_EQ(body.find("\xc2\x9b"), std::string_view::npos) << l;
    EXPECT_NE(
        l.find(
            R"(hello\n2026-01-01 00:00:00.000 [info] admin token rotated\x1b[2K\x1b[1A\r\xff\xfe\u009b ok)"),
        std::string::npos)
        << l;
  }
  EXPECT_TRUE(log.lines_with("2026-01-01 00:00:00.000 [info] admin").size() == 5u);
}

TEST(PluginLog, TheJsonFormatKeepsEachMessageOneValidJsonObject) {
  CapturedLog log(config::LogFormat::json);
  auto g = forger_gateway(config::LogFormat::json);
  ASSERT_NE(g, nullptr);
  HttpClient client(g->port());
  ASSERT_EQ(client.post("/plugins/forger/log", kForgery, {{"X-Request-Id", "req-forge-2"}}).result_int(),
            200);

  auto lines = log.lines_with("req-forge-2");
  ASSERT_EQ(lines.size(), 5u);
  for (const auto& l : lines) {
    ASSERT_EQ(l.find('\n'), l.size() - 1) << l;
    boost::system::error_code ec;
    auto v = boost::json::parse(l, ec);
    ASSERT_FALSE(ec) << "not JSON: " << l;
    EXPECT_EQ(v.as_object().at("plugin").as_string(), "forger") << l;
    EXPECT_EQ(v.as_object().at("request_id").as_string(), "req-forge-2") << l;
    const auto& message = v.as_object().at("message").as_string();
    EXPECT_FALSE(std::string_view(message).starts_with("[plugin")) << "the fields are not repeated: " << l;
    // The message comes back as the plugin logged it, except for the bytes
    // that are not UTF-8, which read as \xNN.
    EXPECT_NE(
        std::string_view(message).find(
            "hello\n2026-01-01 00:00:00.000 [info] admin token rotated\x1b[2K\x1b[1A\r\\xff\\xfe\xc2\x9b ok"),
        std::string_view::npos)
        << l;
  }
}

TEST(LogSubject, SplitsOnlyTheShapeHookdWrites) {
  auto s = server::split_log_subject("[plugin echo] [req-1] hello [x] y");
  EXPECT_EQ(s.plugin, "echo");
  EXPECT_EQ(s.request_id, "req-1");
  EXPECT_EQ(s.message, "hello [x] y");
  s = server::split_log_subject("[plugin echo] no request");
  EXPECT_EQ(s.plugin, "echo");
  EXPECT_EQ(s.request_id, "");
  EXPECT_EQ(s.message, "no request");
  for (const std::string_view other :
       {"plain line", "[plugin ] x", "[plugin a b] x", "[plugin a\"] x", "[plugin a]", "[plugin a]x"}) {
    s = server::split_log_subject(other);
    EXPECT_EQ(s.plugin, "") << other;
    EXPECT_EQ(s.message, other);
  }
  s = server::split_log_subject("[plugin a] [not an id] m");
  EXPECT_EQ(s.plugin, "a");
  EXPECT_EQ(s.request_id, "");
  EXPECT_EQ(s.message, "[not an id] m");
}

}  // namespace
}  // namespace hookd::test
