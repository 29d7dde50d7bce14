// The access log: per-worker buffers written by one thread, text or JSON
// lines, to a file that logrotate may move (reopen), nothing lost on a clean
// stop, and a stalled output that drops lines instead of blocking workers.
#include "observability/access_log.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "eventually.hpp"
#include "gateway_fixture.hpp"
#include "http_client.hpp"
#include "test_timeouts.hpp"
#include "ws_client.hpp"

namespace hookd::test {
namespace {

using server::AccessLog;
using server::AccessRecord;

std::vector<std::string> lines_of(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

AccessRecord record(std::string_view id, std::string_view target) {
  return {.request_id = id,
          .client = "10.0.0.7",
          .method = "POST",
          .target = target,
          .status = 200,
          .bytes = 42,
          .duration_us = 17,
          .plugin = "echo",
          .fn = "echo"};
}

AccessLog::Options options(const std::filesystem::path& file, config::LogFormat format) {
  AccessLog::Options o;
  o.format = format;
  o.path = file;
  return o;
}

TEST(AccessLog, EveryLineFromEveryWorkerIsWrittenOnceAsValidJson) {
  const auto file = fresh_dir("access-json") / "access.log";
  constexpr int kWorkers = 3;
  constexpr int kPerWorker = 10'000;  // ~2 MB each: 30 batches, far below the 5 MB pending bound
  {
    auto log = AccessLog::open(options(file, config::LogFormat::json), kWorkers);
    ASSERT_TRUE(log) << log.error().message;
    std::vector<std::thread> workers;
    for (int w = 0; w < kWorkers; ++w) {
      workers.emplace_back([&, w] {
        for (int i = 0; i < kPerWorker; ++i) {
          const std::string id = std::to_string(w) + "-" + std::to_string(i);
          (*log)->write(w, record(id, "/plugins/echo/echo"));
        }
      });
    }
    for (auto& t : workers) t.join();
    EXPECT_EQ((*log)->dropped(), 0u);
  }  // the destructor writes what is left
  const auto lines = lines_of(file);
  ASSERT_EQ(lines.size(), size_t{kWorkers} * kPerWorker);
  std::vector<std::vector<bool>> seen(kWorkers, std::vector<bool>(kPerWorker));
  for (const auto& line : lines) {
    boost::system::error_code ec;
    const auto v = boost::json::parse(line, ec);
    ASSERT_FALSE(ec) << line;
    const auto& o = v.as_object();
    EXPECT_EQ(o.at("type").as_string(), "access");
    EXPECT_EQ(o.at("path").as_string(), "/plugins/echo/echo");
    EXPECT_EQ(o.at("status").as_int64(), 200);
    EXPECT_EQ(o.at("bytes").as_int64(), 42);
    EXPECT_EQ(o.at("duration_us").as_int64(), 17);
    EXPECT_EQ(o.at("plugin").as_string(), "echo");
    EXPECT_EQ(o.at("time").as_string().size(), 24u);  // 2026-11-30T14:17:00.123Z
    const std::string id(o.at("request_id").as_string());
    const int w = std::stoi(id.substr(0, id.find('-')));
    const int i = std::stoi(id.substr(id.find('-') + 1));
    EXPECT_FALSE(seen[w][i]) << "written twice: " << id;
    seen[w][i] = true;
  }
}

TEST(AccessLog, TextLinesEscapeWhatAClientChose) {
  const auto file = fresh_dir("access-text") / "access.log";
  {
    auto log = AccessLog::open(options(file, config::LogFormat::text), 1);
    ASSERT_TRUE(log);
    (*log)->write(0, record("id\n\x1b[2Jforged", "/plugins/\xff/x"));
    AccessRecord ws = record("ws-1", "");
    ws.method = "WS";
    ws.session = "s-9";
    (*log)->write(0, ws);
  }
  const auto lines = lines_of(file);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(
      lines[0].find(
          R"( access id\n\x1b[2Jforged 10.0.0.7 "POST /plugins/\xff/x" 200 42 17us plugin=echo fn=echo)"),
      std::string::npos)
      << lines[0];
  EXPECT_NE(
      lines[1].find(R"( access ws-1 10.0.0.7 "WS echo/echo" 200 42 17us plugin=echo fn=echo session=s-9)"),
      std::string::npos)
      << lines[1];
}

TEST(AccessLog, ALineNamesTheVersionThatServedInBothFormats) {
  for (const auto format : {config::LogFormat::text, config::LogFormat::json}) {
    const auto file = fresh_dir("access-version") / "access.log";
    {
      auto log = AccessLog::open(options(file, format), 1);
      ASSERT_TRUE(log);
      AccessRecord versioned = record("v-1", "/plugins/echo/echo");
      versioned.version = 7;
      (*log)->write(0, versioned);
      (*log)->write(0, record("v-2", "/plugins/echo/echo"));  // a plugin without versions
    }
    const auto lines = lines_of(file);
    ASSERT_EQ(lines.size(), 2u);
    if (format == config::LogFormat::text) {
      EXPECT_NE(lines[0].find(" plugin=echo fn=echo version=7"), std::string::npos) << lines[0];
      EXPECT_EQ(lines[1].find("version="), std::string::npos) << lines[1];
    } else {
      EXPECT_EQ(boost::json::parse(lines[0]).at("version").to_number<int>(), 7) << lines[0];
      EXPECT_FALSE(boost::json::parse(lines[1]).as_object().contains("version")) << lines[1];
    }
  }
}

TEST(AccessLog, AWebSocketSessionLineCarriesItsCountsAndCloseInBothFormats) {
  const auto file = fresh_dir("access-ws-session") / "access.log";
  const server::WsSessionTotals totals{.messages_in = 3,
                                       .messages_out = 2,
                                       .bytes_in = 30,
                                       .bytes_out = 20,
                                       .errors = 1,
                                       .close_code = 4500,
                                       .close_reason = "error"};
  for (auto format : {config::LogFormat::text, config::LogFormat::json}) {
    auto log = AccessLog::open(options(file, format), 1);
    ASSERT_TRUE(log);
    AccessRecord r = record("s-1", "/plugins/echo/echo");
    r.method = "GET";
    r.status = 101;
    r.bytes = 20;
    r.websocket = &totals;
    (*log)->write(0, r);
  }
  const auto lines = lines_of(file);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find(R"( access s-1 10.0.0.7 "GET /plugins/echo/echo" 101 20 17us plugin=echo fn=echo )"
                          "messages_in=3 messages_out=2 bytes_in=30 bytes_out=20 errors=1 close_code=4500 "
                          "close_reason=error"),
            std::string::npos)
      << lines[0];
  const auto v = boost::json::parse(lines[1]).as_object();
  EXPECT_EQ(v.at("path").as_string(), "/plugins/echo/echo");
  EXPECT_EQ(v.at("status").as_int64(), 101);
  EXPECT_EQ(v.at("messages_in").as_int64(), 3);
  EXPECT_EQ(v.at("messages_out").as_int64(), 2);
  EXPECT_EQ(v.at("bytes_in").as_int64(), 30);
  EXPECT_EQ(v.at("bytes_out").as_int64(), 20);
  EXPECT_EQ(v.at("errors").as_int64(), 1);
  EXPECT_EQ(v.at("close_code").as_int64(), 4500);
  EXPECT_EQ(v.at("close_reason").as_string(), "error");
  EXPECT_FALSE(v.contains("session"));
}

TEST(AccessLog, LinesAreStampedWithTheClockTheGatewayGaveIt) {
  const auto file = fresh_dir("access-clock") / "access.log";
  auto clock = std::make_shared<util::ManualClock>();  // 2023-11-14T22:13:20Z
  clock->advance(std::chrono::milliseconds(1'123));
  for (auto format : {config::LogFormat::text, config::LogFormat::json}) {
    auto o = options(file, format);
    o.clock = clock;
    auto log = AccessLog::open(std::move(o), 1);
    ASSERT_TRUE(log);
    (*log)->write(0, record("t-1", "/x"));
  }
  const auto lines = lines_of(file);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_TRUE(lines[0].starts_with("2023-11-14T22:13:21.123Z access t-1 ")) << lines[0];
  EXPECT_NE(lines[1].find("\"2023-11-14T22:13:21.123Z\""), std::string::npos) << lines[1];
}

TEST(AccessLog, AQuoteInTheTargetCannotEndTheRequestLineField) {
  const auto file = fresh_dir("access-quote") / "access.log";
  {
    auto log = AccessLog::open(options(file, config::LogFormat::text), 1);
    ASSERT_TRUE(log);
    (*log)->write(0, record("q-1", R"(/x" 500 0 1us plugin=forged fn=forged ")"));
  }
  const auto lines = lines_of(file);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find(R"("POST /x\" 500 0 1us plugin=forged fn=forged \"" 200 42 17us plugin=echo)"),
            std::string::npos)
      << lines[0];
  size_t bare_quotes = 0;  // not escaped: the field's own two
  for (size_t i = 0; i < lines[0].size(); ++i)
    bare_quotes += lines[0][i] == '"' && (i == 0 || lines[0][i - 1] != '\\');
  EXPECT_EQ(bare_quotes, 2u) << lines[0];
}

TEST(AccessLog, LinesLostToAFullDiskAreCountedAsDropped) {
  const int fd = ::open("/dev/full", O_WRONLY | O_CLOEXEC);  // every write: ENOSPC
  ASSERT_GE(fd, 0);
  auto log = AccessLog::to_fd(fd, options({}, config::LogFormat::text), 2);
  for (int i = 0; i < 10; ++i) log->write(i % 2, record("lost", "/x"));
  log->flush();
  EXPECT_EQ(log->dropped(), 10u);
  log.reset();
  ::close(fd);
}

TEST(AccessLog, ReopenRefusesASymbolicLinkAtThePath) {
  const auto dir = fresh_dir("access-symlink");
  const auto file = dir / "access.log";
  const auto victim = dir / "victim";
  { std::ofstream(victim) << "precious\n"; }
  auto log = AccessLog::open(options(file, config::LogFormat::text), 1);
  ASSERT_TRUE(log);
  (*log)->write(0, record("before", "/x"));
  (*log)->flush();
  std::filesystem::rename(file, dir / "access.log.1");
  std::filesystem::create_symlink(victim, file);  // planted between the rotation and the reopen
  (*log)->reopen();
  (*log)->write(0, record("after", "/x"));
  (*log)->flush();
  EXPECT_EQ(lines_of(victim), std::vector<std::string>{"precious"});
  EXPECT_EQ(lines_of(dir / "access.log.1").size(), 2u);  // the old file keeps the lines
  // And at start-up: a clear error, not a write through the link.
  auto refused = AccessLog::open(options(file, config::LogFormat::text), 1);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("symbolic link"), std::string::npos) << refused.error().message;
}

TEST(AccessLog, LinesReachTheFileWithinTheFlushIntervalWithoutAFlush) {
  const auto file = fresh_dir("access-interval") / "access.log";
  auto o = options(file, config::LogFormat::text);
  o.flush_interval = std::chrono::milliseconds(20);
  auto log = AccessLog::open(o, 2);
  ASSERT_TRUE(log);
  (*log)->write(1, record("one", "/x"));
  eventually([&] { return !lines_of(file).empty(); });
  EXPECT_EQ(lines_of(file).size(), 1u);
}

TEST(AccessLog, ReopenFollowsLogrotate) {
  const auto dir = fresh_dir("access-rotate");
  const auto file = dir / "access.log";
  auto log = AccessLog::open(options(file, config::LogFormat::text), 1);
  ASSERT_TRUE(log);
  (*log)->write(0, record("before", "/x"));
  (*log)->flush();
  std::filesystem::rename(file, dir / "access.log.1");
  (*log)->write(0, record("still-old-file", "/x"));  // written before the reopen is asked for
  (*log)->flush();
  (*log)->reopen();
  (*log)->write(0, record("after", "/x"));
  (*log)->flush();
  const auto old_lines = lines_of(dir / "access.log.1");
  const auto new_lines = lines_of(file);
  ASSERT_EQ(old_lines.size(), 2u);
  ASSERT_EQ(new_lines.size(), 1u);
  EXPECT_NE(new_lines[0].find(" after "), std::string::npos);
}

TEST(AccessLog, AnUnwritablePathIsAClearError) {
  auto log = AccessLog::open(options("/nonexistent-dir/access.log", config::LogFormat::text), 1);
  ASSERT_FALSE(log);
  EXPECT_NE(log.error().message.find("log.access_log_file: cannot open /nonexistent-dir/access.log"),
            std::string::npos)
      << log.error().message;
}

TEST(AccessLog, AStalledOutputDropsLinesInsteadOfBlockingWorkers) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);  // nobody reads until the end: the writer thread blocks
  auto o = options({}, config::LogFormat::text);
  o.max_pending_bytes = 256 * 1024;
  auto log = AccessLog::to_fd(fds[1], o, 2);
  // Far more than the pipe (64 KiB) and the pending bound hold.
  auto writes = std::async(std::launch::async, [&] {
    for (int i = 0; i < 100'000; ++i) log->write(i % 2, record("stalled", "/plugins/echo/echo"));
  });
  ASSERT_EQ(writes.wait_for(kWaitBound), std::future_status::ready)
      << "a worker blocked on the stalled output";
  EXPECT_GT(log->dropped(), 0u);
  // Unblock: read everything, then the log can stop.
  std::thread reader([fd = fds[0]] {
    char buf[65536];
    while (::read(fd, buf, sizeof buf) > 0) {
    }
  });
  log.reset();
  ::close(fds[1]);
  reader.join();
  ::close(fds[0]);
}

TEST(AccessLog, TheGatewayLogsEveryRequestWithoutItsQueryAndLosesNothingOnStop) {
  const auto dir = fresh_dir("access-gateway");
  auto c = test_config(dir / "data");
  c.log.access_log = true;
  c.log.format = config::LogFormat::json;
  c.log.access_log_file = (dir / "access.log").string();
  c.log.access_log_flush_interval = std::chrono::milliseconds(60'000);  // only the stop writes
  c.plugins.push_back(plugin_entry("echo", "echo"));
  auto g = start_gateway(std::move(c));
  ASSERT_NE(g, nullptr);
  constexpr int kRequests = 50;
  {
    HttpClient client(g->port());
    for (int i = 0; i < kRequests; ++i) {
      EXPECT_EQ(client.post("/plugins/echo/echo?api_key=hunter2&x=1", "hi").body(), "hi");
    }
    EXPECT_EQ(client.post("/plugins/nope/echo", "hi").result_int(), 404);
    WsClient ws(g->port());
    ASSERT_FALSE(ws.connect("/plugins/echo/echo"));
    auto reply = ws.call("ws-hi", true);
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->data, "ws-hi");
    ws.close();
  }
  EXPECT_TRUE(g->drain());
  g->stop();
  g.reset();

  int echo = 0, not_found = 0, ws_lines = 0;
  for (const auto& line : lines_of(dir / "access.log")) {
    EXPECT_EQ(line.find("hunter2"), std::string::npos) << line;
    const auto v = boost::json::parse(line).as_object();
    if (v.contains("close_reason")) {  // the WebSocket session's one line
      ++ws_lines;
      EXPECT_EQ(v.at("status").as_int64(), 101);
      EXPECT_EQ(v.at("fn").as_string(), "echo");
      EXPECT_EQ(v.at("messages_in").as_int64(), 1);
    } else if (v.at("status").as_int64() == 404) {
      ++not_found;
    } else {
      EXPECT_EQ(v.at("path").as_string(), "/plugins/echo/echo");
      ++echo;
    }
  }
  EXPECT_EQ(echo, kRequests);
  EXPECT_EQ(not_found, 1);
  EXPECT_EQ(ws_lines, 1);
}

TEST(AccessLog, TheGatewayReopensItsFileOnRequest) {
  const auto dir = fresh_dir("access-gw-rotate");
  auto c = test_config(dir / "data");
  c.log.access_log = true;
  c.log.access_log_file = (dir / "access.log").string();
  c.plugins.push_back(plugin_entry("echo", "echo"));
  auto g = start_gateway(std::move(c));
  ASSERT_NE(g, nullptr);
  HttpClient client(g->port());
  EXPECT_EQ(client.post("/plugins/echo/echo", "1").result_int(), 200);
  std::filesystem::rename(dir / "access.log", dir / "access.log.1");
  g->reopen_logs();
  // The writer thread reopens before its next write: wait until the new
  // file exists, then log a request into it. (The first request's line may
  // have been buffered at the rename and go to either file, as with any
  // logrotate of a running server.)
  eventually([&] { return std::filesystem::exists(dir / "access.log"); });
  EXPECT_EQ(client.post("/plugins/echo/echo", "22").result_int(), 200);
  client.close();
  g.reset();
  const auto old_lines = lines_of(dir / "access.log.1");
  const auto new_lines = lines_of(dir / "access.log");
  EXPECT_EQ(old_lines.size() + new_lines.size(), 2u);
  ASSERT_FALSE(new_lines.empty());
  EXPECT_NE(new_lines.back().find(" 200 2 "), std::string::npos) << new_lines.back();
}

}  // namespace
}  // namespace hookd::test
