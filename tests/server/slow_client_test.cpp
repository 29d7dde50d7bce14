// Slow and numerous clients (attack class 5, docs/security.md; the 503 of class 10): a cap
// on each response and on all responses being written, write timeouts for
// HTTP and WebSocket clients that do not read, and a well-formed 503 at the
// connection cap. Real gateway on port 0, raw sockets with small receive
// buffers so that an unread response stays in the server.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "bounded_io.hpp"
#include "eventually.hpp"
#include "gateway_fixture.hpp"
#include "http_client.hpp"
#include "units.hpp"
#include "ws_client.hpp"

namespace hookd::test {
namespace {

namespace json = boost::json;
using std::chrono::milliseconds;

// Larger than what the kernel buffers on loopback (tcp_wmem max 4 MiB plus a
// 16 KiB receive buffer): a client that does not read leaves it unwritten.
constexpr size_t kStuckResponse = 8 * kMiB;

config::Config slow_config(std::string_view tag) {
  auto c = test_config(fresh_dir(tag));
  c.server.load_example_plugins = false;
  c.limits.max_body_bytes = 16 * kMiB;
  c.limits.ws_max_message_bytes = 16 * kMiB;
  c.limits.read_timeout = std::chrono::seconds(20);
  c.limits.ws_idle_timeout = std::chrono::seconds(60);
  auto echo = plugin_entry("echo", "echo");
  echo.settings.limits.max_memory_pages = 1024;  // 64 MiB: room for 8 MiB in and out
  c.plugins.push_back(echo);
  return c;
}

std::string echo_request(size_t body_size) {
  return "POST /plugins/echo/echo HTTP/1.1\r\nHost: x\r\nContent-Type: "
         "application/octet-stream\r\nContent-Length: " +
         std::to_string(body_size) + "\r\n\r\n" + std::string(body_size, 'e');
}

TEST(SlowClients, PluginOutputOverMaxResponseBytesIs502AndTheWorkerKeepsServing) {
  auto c = slow_config("max-response");
  c.limits.max_response_bytes = 1 * kMiB;
  auto g = start_gateway(std::move(c));
  ASSERT_NE(g, nullptr);
  HttpClient client(g->port());
  auto r = client.post("/plugins/echo/echo", std::string(2 * kMiB, 'x'));
  EXPECT_EQ(r.result_int(), 502);
  EXPECT_EQ(r[http::field::content_type], "application/json");
  EXPECT_NE(r.body().find("max_response_bytes"), std::string::npos) << r.body();
  EXPECT_EQ(client.post("/plugins/echo/echo", "small").body(), "small");
}

TEST(SlowClients, AnHttpClientThatDoesNotReadIsResetAfterTheWriteTimeout) {
  auto c = slow_config("write-timeout");
  c.limits.write_timeout = milliseconds(500);
  auto g = start_gateway(std::move(c));
  ASSERT_NE(g, nullptr);
  TcpConnection slow(g->port(), std::chrono::seconds(10));
  ASSERT_FALSE(slow.connect_slow_reader());
  ASSERT_FALSE(slow.write(echo_request(kStuckResponse)));
  // read_timeout is 20 s: only the write timeout can end this within 10 s.
  EXPECT_TRUE(slow.peer_gone_within(std::chrono::seconds(10)));
  HttpClient other(g->port());
  EXPECT_EQ(other.post("/plugins/echo/echo", "still serving").body(), "still serving");
}

TEST(SlowClients, SlowReadersHoldingTheResponseBudgetTurnNewCallsAwayWith503) {
  auto c = slow_config("response-budget");
  c.limits.max_buffered_response_bytes = 1 * kMiB;
  c.limits.write_timeout = std::chrono::seconds(30);
  auto g = start_gateway(std::move(c));
  ASSERT_NE(g, nullptr);
  auto slow = std::make_unique<TcpConnection>(g->port(), std::chrono::seconds(10));
  ASSERT_FALSE(slow->connect_slow_reader());
  ASSERT_FALSE(slow->write(echo_request(kStuckResponse)));

  // While the 8 MiB echo still runs on one worker, a call on the other can
  // also be a 503 for the plugin's worker share (a busy machine makes that
  // window long): wait for the one the response budget gives.
  Response turned_away;
  eventually([&] {
    turned_away = HttpClient(g->port()).post("/plugins/echo/echo", "x");
    return turned_away.result_int() == 503 && turned_away.body().find("slow clients") != std::string::npos;
  });
  ASSERT_EQ(turned_away.result_int(), 503)
      << "an 8 MiB response waiting for its reader never held the 1 MiB budget";
  EXPECT_EQ(turned_away[http::field::retry_after], "1");
  EXPECT_NE(turned_away.body().find("slow clients"), std::string::npos) << turned_away.body();

  slow.reset();  // the reader goes away; its response no longer counts
  Response served;
  eventually([&] {
    served = HttpClient(g->port()).post("/plugins/echo/echo", "x");
    return served.result_int() == 200;
  });
  EXPECT_EQ(served.result_int(), 200);
}

TEST(SlowClients, AWebSocketClientThatDoesNotReadIsResetAfterTheWriteTimeout) {
  auto c = slow_config("ws-write-timeout");
  c.limits.write_timeout = milliseconds(500);
  auto g = start_gateway(std::move(c));
  ASSERT_NE(g, nullptr);
  WsClient ws(g->port(), std::chrono::seconds(10));
  ASSERT_FALSE(ws.connect("/plugins/echo/echo", 16 * 1024));
  ASSERT_FALSE(ws.send_binary(std::string(kStuckResponse, 'w')));
  // ws_idle_timeout is 60 s: only the write timeout can end this within 10 s.
  EXPECT_TRUE(ws.peer_gone_within(std::chrono::seconds(10)));
}

TEST(SlowClients, ConnectionsOverTheCapGetAWellFormed503) {
  auto c = slow_config("connection-cap");
  c.limits.max_connections = 1;
  auto g = start_gateway(std::move(c));
  ASSERT_NE(g, nullptr);
  TcpConnection held(g->port());
  ASSERT_FALSE(held.connect());
  auto first = held.get("/healthz");  // accepted and counted
  ASSERT_TRUE(first.has_value()) << first.error().message();
  ASSERT_EQ(first->result_int(), 200);

  TcpConnection over(g->port());
  ASSERT_FALSE(over.connect());
  auto r = over.read_response();
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->result_int(), 503);
  EXPECT_EQ((*r)[http::field::retry_after], "1");
  EXPECT_EQ((*r)[http::field::content_length], std::to_string(r->body().size()));
  boost::system::error_code ec;
  const json::value body = json::parse(r->body(), ec);
  ASSERT_FALSE(ec) << "the 503 body is not JSON: " << r->body();
  EXPECT_EQ(body.at("error").as_string(), "too many connections, retry later");
  EXPECT_TRUE(closed_by_server(over.wait_for_close()));
}

}  // namespace
}  // namespace hookd::test
