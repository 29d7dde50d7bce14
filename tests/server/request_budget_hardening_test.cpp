// Request bytes being received across all connections
// (limits.max_buffered_request_bytes): clients that hold request bodies or
// WebSocket messages open without finishing them are refused once they hold
// the budget, a request without a body is still served meanwhile, and every
// byte goes back to the budget when they go away. Real gateway on port 0,
// raw sockets; the budget is read from /metrics on the admin listener.
#include <gtest/gtest.h>

#include <thread>

#include "admin_client.hpp"
#include "bounded_io.hpp"
#include "eventually.hpp"
#include "gateway_fixture.hpp"
#include "hostile_client.hpp"
#include "http_client.hpp"
#include "net/request_budget.hpp"
#include "units.hpp"
#include "ws_client.hpp"

namespace hookd::test {
namespace {

config::Config budget_config(std::string_view tag, int64_t budget) {
  auto c = test_config(fresh_dir(tag));
  c.server.load_example_plugins = false;
  c.limits.max_body_bytes = 1 * kMiB;
  c.limits.ws_max_message_bytes = 1 * kMiB;
  c.limits.max_buffered_request_bytes = static_cast<uint64_t>(budget);
  // Long enough that no held connection times out during the test.
  c.limits.read_timeout = std::chrono::seconds(60);
  c.limits.ws_idle_timeout = std::chrono::seconds(60);
  auto echo = plugin_entry("echo", "echo");
  echo.settings.limits.max_memory_pages = 256;
  c.plugins.push_back(echo);
  return c;
}

// A sample without labels from /metrics on the admin listener; -1 when absent.
int64_t metric(uint16_t admin_port, std::string_view name) {
  AdminClient admin(admin_port, "test-token");
  const Response r = admin.send(http::verb::get, "/metrics");
  const std::string& text = r.body();
  const std::string key = std::string(name) + " ";
  for (size_t at = text.find(key); at != std::string::npos; at = text.find(key, at + 1)) {
    if (at == 0 || text[at - 1] == '\n') return std::stoll(text.substr(at + key.size()));
  }
  return -1;
}

int64_t budget_held(uint16_t admin_port) { return metric(admin_port, "hookd_buffered_request_bytes"); }

using hookd::test::eventually;

std::string post_head(int64_t length) {
  return "POST /plugins/echo/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
         "Content-Length: " +
         std::to_string(length) + "\r\n\r\n";
}

void expect_budget_refusal(const std::expected<TcpConnection::Response, error_code>& r) {
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->result_int(), 503) << r->body();
  EXPECT_EQ((*r)[http::field::retry_after], "1");
  EXPECT_FALSE(r->keep_alive());
  EXPECT_NE(r->body().find("request bytes"), std::string::npos) << r->body();
}

TEST(RequestBudget, PartialBodiesHoldingTheBudgetGet503UntilTheyCloseAndEveryByteComesBack) {
  auto g = start_gateway(budget_config("request-budget-http", 4 * kMiB));
  ASSERT_NE(g, nullptr);
  const uint16_t admin = g->admin_port();
  ASSERT_EQ(budget_held(admin), 0);

  // Four clients each send a 1 MiB body but its last byte: each is counted
  // whole from its header.
  std::vector<std::unique_ptr<TcpConnection>> held;
  for (int64_t i = 1; i <= 4; ++i) {
    held.push_back(std::make_unique<TcpConnection>(g->port()));
    ASSERT_FALSE(held.back()->connect());
    ASSERT_FALSE(held.back()->write(post_head(kMiB) + std::string(kMiB - 1, 'b')));
    ASSERT_TRUE(eventually([&] { return budget_held(admin) == i * static_cast<int64_t>(kMiB); }))
        << budget_held(admin);
  }

  // A fifth body is refused at its header, before it is sent.
  TcpConnection over(g->port());
  ASSERT_FALSE(over.connect());
  ASSERT_FALSE(over.write(post_head(kMiB)));
  expect_budget_refusal(over.read_response());
  EXPECT_TRUE(closed_by_server(over.wait_for_close()));
  // So is a small one, while a request without a body is served.
  TcpConnection small(g->port());
  ASSERT_FALSE(small.connect());
  ASSERT_FALSE(small.write(post_head(5) + "small"));
  expect_budget_refusal(small.read_response());
  HttpClient health(g->port());
  EXPECT_EQ(health.get("/healthz").result_int(), 200);
  EXPECT_EQ(budget_held(admin), 4 * kMiB);
  EXPECT_GE(metric(admin, "hookd_request_budget_refusals_total"), 2);

  held.clear();
  ASSERT_TRUE(eventually([&] { return budget_held(admin) == 0; })) << budget_held(admin);
  HttpClient client(g->port());
  const Response r = client.post("/plugins/echo/echo", "small");
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(r.body(), "small");
  // A whole body of the largest size fits again, and is given back after.
  const std::string big(kMiB, 'x');
  EXPECT_EQ(client.post("/plugins/echo/echo", big).body().size(), big.size());
  EXPECT_TRUE(eventually([&] { return budget_held(admin) == 0; })) << budget_held(admin);
}

TEST(RequestBudget, AChunkedBodyIsCountedAsItArrivesAndRefusedWhenItPassesTheBudget) {
  auto c = budget_config("request-budget-chunked", 2 * kMiB);
  c.limits.max_body_bytes = 2 * kMiB;  // not what stops them
  auto g = start_gateway(std::move(c));
  ASSERT_NE(g, nullptr);
  const uint16_t admin = g->admin_port();
  const std::string chunked_head =
      "POST /plugins/echo/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  const std::string chunk = "10000\r\n" + std::string(64 * 1024, 'c') + "\r\n";

  // One client holds 1.5 MiB of an unfinished chunked body.
  auto holder = std::make_unique<TcpConnection>(g->port());
  ASSERT_FALSE(holder->connect());
  std::string part = chunked_head;
  for (int i = 0; i < 24; ++i) part += chunk;
  ASSERT_FALSE(holder->write(part));
  ASSERT_TRUE(eventually([&] { return budget_held(admin) >= 24 * 64 * 1024; })) << budget_held(admin);

  // Another sends chunks without end: refused once it reaches the rest.
  const Flood f = flood(g->port(), chunked_head, chunk, 8 * kMiB);
  expect_budget_refusal(f.response);
  EXPECT_LT(f.sent, static_cast<uint64_t>(8 * kMiB));
  EXPECT_LE(budget_held(admin), 2 * kMiB);

  holder.reset();
  ASSERT_TRUE(eventually([&] { return budget_held(admin) == 0; })) << budget_held(admin);
  TcpConnection after(g->port());
  ASSERT_FALSE(after.connect());
  ASSERT_FALSE(after.write(chunked_head + "5\r\nhello\r\n0\r\n\r\n"));
  auto r = after.read_response();
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->result_int(), 200);
  EXPECT_EQ(r->body(), "hello");
}

TEST(RequestBudget, PartialWebSocketMessagesPastTheBudgetAreClosedWith1013AndEveryByteComesBack) {
  auto g = start_gateway(budget_config("request-budget-ws", 4 * kMiB));
  ASSERT_NE(g, nullptr);
  const uint16_t admin = g->admin_port();
  constexpr int64_t kPartial = 768 * 1024;
  // A session that received its whole partial message holds it and the
  // reservation of its next read.
  constexpr int64_t kHeld = kPartial + static_cast<int64_t>(server::kWsMessagePart);

  std::vector<std::unique_ptr<WsClient>> kept;
  int refused = 0;
  for (int i = 0; i < 8; ++i) {
    auto ws = std::make_unique<WsClient>(g->port());
    ASSERT_FALSE(ws->connect("/plugins/echo/echo"));
    const int64_t before = budget_held(admin);
    ASSERT_FALSE(ws->send_partial(std::string(kPartial, 'w')));
    bool closed = false;
    ASSERT_TRUE(eventually([&] {
      closed = ws->readable_within(std::chrono::milliseconds(10));
      return closed || budget_held(admin) >= before + kHeld;
    })) << "session "
        << i << ": neither held nor refused; the budget holds " << budget_held(admin);
    if (!closed) {
      kept.push_back(std::move(ws));
      continue;
    }
    auto r = ws->read();
    ASSERT_FALSE(r.has_value()) << "session " << i << " got a message instead of its close";
    EXPECT_EQ(r.error(), websocket::error::closed) << r.error().message();
    EXPECT_EQ(ws->close_reason().code, websocket::close_code::try_again_later);
    ++refused;
  }
  EXPECT_GE(kept.size(), 1u);
  EXPECT_LE(static_cast<int64_t>(kept.size()) * kHeld, 4 * kMiB);
  EXPECT_GE(refused, 1);
  EXPECT_LE(budget_held(admin), 4 * kMiB);
  EXPECT_GE(metric(admin, "hookd_request_budget_refusals_total"), refused);

  kept.clear();
  ASSERT_TRUE(eventually([&] { return budget_held(admin) == 0; })) << budget_held(admin);
  WsClient ws(g->port());
  ASSERT_FALSE(ws.connect("/plugins/echo/echo"));
  // An open session holds only its upgrade request (its calls read it).
  const int64_t upgrade = budget_held(admin);
  EXPECT_GT(upgrade, 0);
  EXPECT_LT(upgrade, 1024);
  const std::string message(kPartial, 'm');
  auto reply = ws.call(message, false);
  ASSERT_TRUE(reply.has_value()) << reply.error().message();
  EXPECT_EQ(reply->data.size(), message.size());
  EXPECT_TRUE(eventually([&] { return budget_held(admin) == upgrade; })) << budget_held(admin);
  ws.close();
  EXPECT_TRUE(eventually([&] { return budget_held(admin) == 0; })) << budget_held(admin);
}

}  // namespace
}  // namespace hookd::test
