// WASI: stdout/stderr capture, random sources, clocks, logging.
#include <gtest/gtest.h>

#include <mutex>

#include "hookd/hookd.hpp"
#include "test_plugins.hpp"

namespace hookd {
namespace {

using test::plugin_path;

TEST(Wasi, StdoutAndStderrGoToTheirSinksTaggedWithThePluginName) {
  std::vector<std::pair<std::string, std::string>> out, err;
  PluginOptions options;
  options.name = "printer";
  options.stdout_sink = [&](std::string_view p, std::string_view c) { out.emplace_back(p, c); };
  options.stderr_sink = [&](std::string_view p, std::string_view c) { err.emplace_back(p, c); };
  auto plugin = Plugin::load_file(plugin_path("misc"), options);
  ASSERT_TRUE(plugin);
  ASSERT_TRUE(plugin->call_string("print", "abc"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].first, "printer");
  EXPECT_EQ(out[0].second, "stdout: abc\n");
  std::string all_err;
  for (auto& e : err) all_err += e.second;
  EXPECT_EQ(all_err, "stderr: abc\n");
}

// One fd_write naming the same 4 MiB 128 times: the host takes a bounded
// piece (a short write, which libc completes with more calls), never the
// 512 MiB asked for.
TEST(Wasi, OneWriteTakesAtMost64KiBAndReportsAShortWrite) {
  size_t sunk = 0, chunks = 0;
  PluginOptions options;
  options.stdout_sink = [&](std::string_view, std::string_view c) {
    sunk += c.size();
    ++chunks;
  };
  auto plugin = Plugin::load_file(plugin_path("hostile"), options);
  ASSERT_TRUE(plugin) << plugin.error().describe();
  auto out = plugin->call_string("write_repeat", "");
  ASSERT_TRUE(out) << out.error().describe();
  EXPECT_EQ(*out, "0 65536");  // errno 0, nwritten
  EXPECT_EQ(sunk, 65536u);
  EXPECT_EQ(chunks, 1u);
}

TEST(Wasi, DeterministicRandomSourceRepeatsForTheSameSeed) {
  auto random_with = [](uint64_t seed) {
    PluginOptions options;
    options.random = deterministic_random(seed);
    auto plugin = Plugin::load_file(plugin_path("misc"), options);
    EXPECT_TRUE(plugin);
    auto a = plugin->call_string("random", "");
    auto b = plugin->call_string("random", "");
    return *a + *b;
  };
  const std::string first = random_with(7);
  EXPECT_EQ(first.size(), 64u);
  EXPECT_EQ(first, random_with(7));
  EXPECT_NE(first, random_with(8));
  EXPECT_NE(first.substr(0, 32), first.substr(32));
}

// A source that has no entropy fails random_get (wasi-libc's getentropy
// then fails): the plugin never gets bytes it would take for random.
TEST(Wasi, RandomGetFailsWhenTheSourceHasNoEntropy) {
  PluginOptions options;
  options.random = fixed_random({});
  auto plugin = Plugin::load_file(plugin_path("misc"), options);
  ASSERT_TRUE(plugin);
  auto out = plugin->call_string("random", "");
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().kind, ErrorKind::kPluginError) << out.error().describe();
  EXPECT_NE(out.error().message.find("getentropy failed"), std::string::npos) << out.error().message;
}

TEST(Wasi, SystemRandomDiffersBetweenCalls) {
  auto plugin = Plugin::load_file(plugin_path("misc"));
  ASSERT_TRUE(plugin);
  EXPECT_NE(*plugin->call_string("random", ""), *plugin->call_string("random", ""));
}

TEST(Wasi, RealtimeClockMatchesTheHost) {
  auto plugin = Plugin::load_file(plugin_path("misc"));
  ASSERT_TRUE(plugin);
  auto now = plugin->call_string("now", "");
  ASSERT_TRUE(now);
  const long plugin_secs = std::stol(*now);
  const long host_secs = static_cast<long>(std::time(nullptr));
  EXPECT_LE(std::abs(plugin_secs - host_secs), 2);
}

TEST(Logging, PluginLogsReachTheLoggerAtEveryLevelWithTheRequestId) {
  struct Line {
    LogLevel level;
    std::string plugin, request_id, message;
  };
  std::vector<Line> lines;
  PluginOptions options;
  options.name = "chatty";
  options.logger = [&](LogLevel l, std::string_view p, const CallContext& ctx, std::string_view m) {
    lines.push_back({l, std::string(p), std::string(ctx.request_id), std::string(m)});
  };
  auto plugin = Plugin::load_file(plugin_path("misc"), options);
  ASSERT_TRUE(plugin);
  CallContext ctx{"req-42"};
  auto out = plugin->call("log", test::bytes("hi there"), ctx);
  ASSERT_TRUE(out);
  std::vector<LogLevel> levels;
  for (const auto& l : lines) {
    if (l.message.find("hi there") == std::string::npos) continue;
    EXPECT_EQ(l.plugin, "chatty");
    EXPECT_EQ(l.request_id, "req-42");
    levels.push_back(l.level);
  }
  EXPECT_EQ(levels, (std::vector<LogLevel>{LogLevel::kTrace, LogLevel::kDebug, LogLevel::kInfo,
                                           LogLevel::kWarn, LogLevel::kError}));
}

}  // namespace
}  // namespace hookd
