// A WebSocket session's access log line against a real gateway on port 0
// with real Beast clients: one line when the session ends, whatever ends it
// (the client's close, a dropped connection, a drain), with its counts and
// bytes; per-message lines only when log.websocket_messages asks for them.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <vector>

#include "admin_client.hpp"
#include "eventually.hpp"
#include "gateway_fixture.hpp"
#include "test_timeouts.hpp"
#include "ws_client.hpp"

namespace hookd::test {
namespace {

namespace json = boost::json;

std::vector<std::string> ws_log_lines(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The JSON lines of `file` that are a session's (they carry close_reason).
std::vector<json::object> session_lines(const std::filesystem::path& file) {
  std::vector<json::object> out;
  for (const auto& line : ws_log_lines(file)) {
    auto v = json::parse(line).as_object();
    if (v.contains("close_reason")) out.push_back(std::move(v));
  }
  return out;
}

struct LoggedGateway {
  std::filesystem::path log;
  std::unique_ptr<server::Gateway> gateway;
};

LoggedGateway start_logged(std::string_view name, config::LogFormat format, bool message_lines,
                           std::chrono::milliseconds idle_timeout = std::chrono::seconds(60)) {
  const auto dir = fresh_dir(std::string(name));
  auto c = test_config(dir / "data");
  c.server.load_example_plugins = false;
  c.log.access_log = true;
  c.log.format = format;
  c.log.websocket_messages = message_lines;
  c.log.access_log_file = (dir / "access.log").string();
  c.log.access_log_flush_interval = std::chrono::milliseconds(10);
  c.limits.ws_idle_timeout = idle_timeout;
  c.limits.ws_ping_interval = std::chrono::milliseconds(0);  // no pings: idle means idle
  c.plugins.push_back(plugin_entry("echo", "echo"));
  c.plugins.push_back(plugin_entry("trap", "trap"));
  return {dir / "access.log", start_gateway(std::move(c))};
}

// The value of an unlabelled sample of GET /metrics (-1: not there).
double ws_metric(server::Gateway& g, const std::string& name) {
  const std::string body = AdminClient(g.admin_port(), "test-token").send(http::verb::get, "/metrics").body();
  const auto at = body.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::stod(body.substr(at + name.size() + 2));
}

TEST(WebSocketAccessLog, MessagesOnOneSessionGiveOneLineWhenItClosesWithItsCountsAndBytes) {
  LoggedGateway lg = start_logged("ws-log-session", config::LogFormat::json, false);
  const std::filesystem::path& log = lg.log;
  auto& g = lg.gateway;
  ASSERT_NE(g, nullptr);
  constexpr int kMessages = 7;
  uint64_t bytes = 0;
  {
    WsClient ws(g->port());
    ASSERT_FALSE(ws.connect("/plugins/echo/echo?token=secret"));
    for (int i = 0; i < kMessages; ++i) {
      const std::string data(10 + i, static_cast<char>('a' + i));
      bytes += data.size();
      auto reply = ws.call(data, false);
      ASSERT_TRUE(reply) << reply.error().message();
      EXPECT_EQ(reply->data, data);
    }
    // Counted once upgraded, which a reply proves.
    EXPECT_EQ(ws_metric(*g, "hookd_open_websocket_sessions"), 1);
    EXPECT_TRUE(session_lines(log).empty()) << "no line while the session is open";
    ASSERT_FALSE(ws.close());
  }
  ASSERT_TRUE(eventually([&] { return !ws_log_lines(log).empty(); }));
  EXPECT_TRUE(eventually([&] { return ws_metric(*g, "hookd_open_websocket_sessions") == 0; }));
  EXPECT_EQ(ws_metric(*g, R"(hookd_websocket_sessions_closed_total{reason="client_close"})"), 1);
  EXPECT_EQ(ws_metric(*g, R"(hookd_websocket_sessions_closed_total{reason="client_gone"})"), 0);
  const auto lines = ws_log_lines(log);
  ASSERT_EQ(lines.size(), 1u) << "one line for the whole session";
  const auto v = json::parse(lines[0]).as_object();
  EXPECT_EQ(v.at("method").as_string(), "GET");
  EXPECT_EQ(v.at("path").as_string(), "/plugins/echo/echo") << "without its query";
  EXPECT_EQ(v.at("status").as_int64(), 101);
  EXPECT_EQ(v.at("plugin").as_string(), "echo");
  EXPECT_EQ(v.at("fn").as_string(), "echo");
  EXPECT_FALSE(v.at("request_id").as_string().empty());
  EXPECT_EQ(v.at("client").as_string(), "127.0.0.1");
  EXPECT_EQ(v.at("messages_in").as_int64(), kMessages);
  EXPECT_EQ(v.at("messages_out").as_int64(), kMessages);
  EXPECT_EQ(v.at("bytes_in").as_int64(), static_cast<int64_t>(bytes));
  EXPECT_EQ(v.at("bytes_out").as_int64(), static_cast<int64_t>(bytes));
  EXPECT_EQ(v.at("bytes").as_int64(), static_cast<int64_t>(bytes));
  EXPECT_EQ(v.at("errors").as_int64(), 0);
  EXPECT_EQ(v.at("close_code").as_int64(), 1000);
  EXPECT_EQ(v.at("close_reason").as_string(), "client_close");
  EXPECT_GE(v.at("duration_us").as_int64(), 0);
}

TEST(WebSocketAccessLog, MessageLinesWhenAskedForAreWrittenBesideTheSessionLine) {
  LoggedGateway lg = start_logged("ws-log-messages", config::LogFormat::text, true);
  const std::filesystem::path& log = lg.log;
  auto& g = lg.gateway;
  ASSERT_NE(g, nullptr);
  constexpr int kMessages = 5;
  std::string session_id;
  {
    WsClient ws(g->port());
    ASSERT_FALSE(ws.connect("/plugins/echo/echo"));
    session_id = std::string(ws.upgrade_response()["X-Request-Id"]);
    for (int i = 0; i < kMessages; ++i) ASSERT_TRUE(ws.call("abc", false));
    ASSERT_FALSE(ws.close());
  }
  ASSERT_TRUE(eventually([&] { return ws_log_lines(log).size() == kMessages + 1; }));
  const auto lines = ws_log_lines(log);
  for (int i = 0; i < kMessages; ++i) {
    EXPECT_NE(lines[i].find(R"("WS echo/echo" 200 3 )"), std::string::npos) << lines[i];
    EXPECT_NE(lines[i].find(" session=" + session_id), std::string::npos) << lines[i];
  }
  const std::string& last = lines.back();
  EXPECT_NE(last.find(" access " + session_id + " 127.0.0.1 \"GET /plugins/echo/echo\" 101 15 "),
            std::string::npos)
      << last;
  EXPECT_NE(last.find(" plugin=echo fn=echo messages_in=5 messages_out=5 bytes_in=15 bytes_out=15 errors=0 "
                      "close_code=1000 close_reason=client_close"),
            std::string::npos)
      << last;
}

TEST(WebSocketAccessLog, AConnectionDroppedWithoutACloseFrameStillGetsItsLine) {
  LoggedGateway lg = start_logged("ws-log-drop", config::LogFormat::json, false);
  const std::filesystem::path& log = lg.log;
  auto& g = lg.gateway;
  ASSERT_NE(g, nullptr);
  WsClient ws(g->port());
  ASSERT_FALSE(ws.connect("/plugins/echo/echo"));
  ASSERT_TRUE(ws.call("one", true));
  ASSERT_TRUE(ws.call("two", true));
  ws.drop();
  ASSERT_TRUE(eventually([&] { return !session_lines(log).empty(); }));
  const auto lines = session_lines(log);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].at("messages_in").as_int64(), 2);
  EXPECT_EQ(lines[0].at("messages_out").as_int64(), 2);
  EXPECT_EQ(lines[0].at("bytes_in").as_int64(), 6);
  EXPECT_EQ(lines[0].at("close_code").as_int64(), 1006);
  EXPECT_EQ(lines[0].at("close_reason").as_string(), "client_gone");
  EXPECT_TRUE(eventually([&] { return ws_metric(*g, "hookd_open_websocket_sessions") == 0; }));
  EXPECT_EQ(ws_metric(*g, R"(hookd_websocket_sessions_closed_total{reason="client_gone"})"), 1);
}

TEST(WebSocketAccessLog, AnIdleSessionClosedAtItsTimeoutSaysSo) {
  LoggedGateway lg =
      start_logged("ws-log-idle", config::LogFormat::json, false, std::chrono::milliseconds(300));
  const std::filesystem::path& log = lg.log;
  auto& g = lg.gateway;
  ASSERT_NE(g, nullptr);
  WsClient ws(g->port());
  ASSERT_FALSE(ws.connect("/plugins/echo/echo"));
  ASSERT_TRUE(ws.call("once", false));
  // Then nothing: the gateway ends the session at limits.ws_idle_timeout.
  EXPECT_TRUE(ws.peer_gone_within(kWaitBound));
  ASSERT_TRUE(eventually([&] { return !session_lines(log).empty(); }));
  const auto lines = session_lines(log);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].at("close_reason").as_string(), "idle_timeout");
  EXPECT_EQ(lines[0].at("close_code").as_int64(), 1006);
  EXPECT_EQ(lines[0].at("messages_in").as_int64(), 1);
  EXPECT_EQ(lines[0].at("errors").as_int64(), 0);
}

TEST(WebSocketAccessLog, AFailedCallAndARefusedUpgradeAreLoggedWithTheirCodes) {
  LoggedGateway lg = start_logged("ws-log-errors", config::LogFormat::json, false);
  const std::filesystem::path& log = lg.log;
  auto& g = lg.gateway;
  ASSERT_NE(g, nullptr);
  {
    WsClient ws(g->port());
    EXPECT_EQ(ws.connect("/plugins/echo/no_such_fn"), websocket::error::upgrade_declined);
    EXPECT_EQ(ws.upgrade_response().result_int(), 404);
  }
  {
    WsClient ws(g->port());
    ASSERT_FALSE(ws.connect("/plugins/trap/unreachable"));
    auto r = ws.call("x", false);  // the plugin traps: the session closes with 4500
    ASSERT_FALSE(r);
    EXPECT_EQ(static_cast<unsigned>(ws.close_reason().code), 4500u);
  }
  ASSERT_TRUE(eventually([&] { return session_lines(log).size() == 2; }));
  const auto lines = session_lines(log);
  const bool refused_first = lines[0].at("status").as_int64() == 404;
  const auto& refused = refused_first ? lines[0] : lines[1];
  const auto& failed = refused_first ? lines[1] : lines[0];
  EXPECT_EQ(refused.at("status").as_int64(), 404);
  EXPECT_EQ(refused.at("path").as_string(), "/plugins/echo/no_such_fn");
  EXPECT_EQ(refused.at("close_code").as_int64(), 0);
  EXPECT_EQ(refused.at("close_reason").as_string(), "refused");
  EXPECT_EQ(refused.at("messages_in").as_int64(), 0);
  EXPECT_EQ(failed.at("status").as_int64(), 101);
  EXPECT_EQ(failed.at("plugin").as_string(), "trap");
  EXPECT_EQ(failed.at("messages_in").as_int64(), 1);
  EXPECT_EQ(failed.at("messages_out").as_int64(), 0);
  EXPECT_EQ(failed.at("errors").as_int64(), 1);
  EXPECT_EQ(failed.at("close_code").as_int64(), 4500);
  EXPECT_EQ(failed.at("close_reason").as_string(), "error");
  EXPECT_EQ(ws_metric(*g, R"(hookd_websocket_sessions_closed_total{reason="refused"})"), 1);
  EXPECT_EQ(ws_metric(*g, R"(hookd_websocket_sessions_closed_total{reason="error"})"), 1);
}

TEST(WebSocketAccessLog, ADrainWritesTheLinesOfTheSessionsItCloses) {
  LoggedGateway lg = start_logged("ws-log-drain", config::LogFormat::json, false);
  const std::filesystem::path& log = lg.log;
  auto& g = lg.gateway;
  ASSERT_NE(g, nullptr);
  constexpr int kSessions = 3;
  std::vector<std::unique_ptr<WsClient>> clients;
  for (int i = 0; i < kSessions; ++i) {
    clients.push_back(std::make_unique<WsClient>(g->port()));
    ASSERT_FALSE(clients.back()->connect("/plugins/echo/echo"));
    ASSERT_TRUE(clients.back()->call(std::string(i + 1, 'x'), false));
  }
  EXPECT_EQ(ws_metric(*g, "hookd_open_websocket_sessions"), kSessions);
  auto drained = std::async(std::launch::async, [&] { return g->drain(); });
  for (auto& c : clients) {
    auto r = c->read();  // the server's close; Beast answers it
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), websocket::error::closed);
    EXPECT_EQ(c->close_reason().code, websocket::close_code::going_away);
  }
  EXPECT_TRUE(drained.get());
  // The admin listener still answers: the drain closes the public ones.
  EXPECT_EQ(ws_metric(*g, R"(hookd_websocket_sessions_closed_total{reason="drain"})"), kSessions);
  EXPECT_EQ(ws_metric(*g, "hookd_open_websocket_sessions"), 0);
  g->stop();
  g.reset();
  const auto lines = session_lines(log);
  ASSERT_EQ(lines.size(), size_t{kSessions});
  uint64_t bytes = 0;
  for (const auto& v : lines) {
    EXPECT_EQ(v.at("close_reason").as_string(), "drain");
    EXPECT_EQ(v.at("close_code").as_int64(), 1001);
    EXPECT_EQ(v.at("messages_in").as_int64(), 1);
    bytes += v.at("bytes_in").as_int64();
  }
  EXPECT_EQ(bytes, 1u + 2u + 3u);
}

}  // namespace
}  // namespace hookd::test
