#include <gtest/gtest.h>

#include "hookd/load/runner.hpp"
#include "run_helpers.hpp"
#include "test_server.hpp"

namespace hookd::load {
namespace {

using test::options;
using test::TestServer;

TEST(WebSocket, EachMessageIsARequestAnsweredByItsEcho) {
  TestServer server;
  auto r = run(options({server.url("/echo", "ws"), "-n", "30", "-c", "2", "--body", "hello websocket"}));
  ASSERT_TRUE(r.has_value()) << r.error();
  EXPECT_EQ(server.ws_messages(), 30u);
  EXPECT_EQ(r->total.responses, 30u);
  EXPECT_EQ(r->total.bytes_received, 30u * std::string("hello websocket").size());
  EXPECT_EQ(r->total.error_total(), 0u);
  EXPECT_EQ(server.ws_connections(), 2u);
}

TEST(WebSocket, MessagesPerConnectionReconnects) {
  TestServer server;
  auto r = run(options({server.url("/echo", "ws"), "-n", "20", "-c", "1", "--ws-messages", "5", "--ws-binary",
                        "--body", "bin"}));
  ASSERT_TRUE(r.has_value()) << r.error();
  EXPECT_EQ(r->total.responses, 20u);
  EXPECT_EQ(r->total.error_total(), 0u);
  EXPECT_EQ(server.ws_connections(), 4u);
}

TEST(WebSocket, OpenLoopAndPipelining) {
  TestServer server;
  auto r = run(options(
      {server.url("/echo", "ws"), "-n", "40", "-c", "2", "--pipeline", "3", "--rate", "400", "--body", "x"}));
  ASSERT_TRUE(r.has_value()) << r.error();
  EXPECT_EQ(server.ws_messages(), 40u);
  EXPECT_EQ(r->total.responses, 40u);
}

}  // namespace
}  // namespace hookd::load
