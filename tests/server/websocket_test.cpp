// WebSocket sessions on GET /plugins/<name>/<fn> against a real gateway on
// port 0 with a real Beast client: one reply per message, JSON transcoding,
// errors as close codes (4000 + status), sessions closed when their plugin is
// removed, and the size limit.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "admin_client.hpp"
#include "gateway_fixture.hpp"
#include "http_client.hpp"
#include "net/ws_session.hpp"
#include "ws_client.hpp"

namespace hookd::test {
namespace {

namespace json = boost::json;

constexpr uint64_t kMaxMessage = 64 * 1024;

class WebSocket : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto c = test_config(fresh_dir("ws"));
    c.server.load_example_plugins = false;
    c.limits.ws_max_message_bytes = kMaxMessage;
    c.limits.max_body_bytes = 4 * kMaxMessage;  // the plugin's input limit is not what is tested
    for (const char* name : {"echo", "greet", "trap"}) c.plugins.push_back(plugin_entry(name, name));
    gateway_ = start_gateway(std::move(c)).release();
  }
  static void TearDownTestSuite() {
    delete gateway_;
    gateway_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(gateway_, nullptr); }

  // A client already upgraded on `target`.
  static std::unique_ptr<WsClient> open(const std::string& target) {
    auto ws = std::make_unique<WsClient>(gateway_->port());
    if (auto ec = ws->connect(target)) {
      ADD_FAILURE() << "upgrade on " << target << " failed: " << ec.message();
      return nullptr;
    }
    return ws;
  }

  static server::Gateway* gateway_;
};
server::Gateway* WebSocket::gateway_ = nullptr;

TEST_F(WebSocket, UpgradeAnswersWithARequestId) {
  auto ws = open("/plugins/echo/echo");
  ASSERT_NE(ws, nullptr);
  EXPECT_EQ(ws->upgrade_response().result_int(), 101);
  EXPECT_FALSE(ws->upgrade_response()["X-Request-Id"].empty());
}

TEST_F(WebSocket, EachBinaryAndTextMessageGetsOneReplyWithTheSameBytes) {
  auto ws = open("/plugins/echo/echo");
  ASSERT_NE(ws, nullptr);
  std::string binary_with_every_byte;
  for (int b = 0; b < 256; ++b) binary_with_every_byte.push_back(static_cast<char>(b));
  const std::vector<std::pair<std::string, bool>> messages = {
      {"hello", true},       {binary_with_every_byte, false},
      {"second text", true}, {std::string(kMaxMessage / 2, 'z'), false},
      {"last", false},
  };
  for (const auto& [data, text] : messages) {
    auto reply = ws->call(data, text);
    ASSERT_TRUE(reply) << reply.error().message();
    EXPECT_EQ(reply->data, data);
  }
  // Replies come one per message, in order, even when sent back to back.
  for (int i = 0; i < 10; ++i) ASSERT_FALSE(ws->send_binary("m" + std::to_string(i)));
  for (int i = 0; i < 10; ++i) {
    auto reply = ws->read();
    ASSERT_TRUE(reply) << reply.error().message();
    EXPECT_EQ(reply->data, "m" + std::to_string(i));
  }
  EXPECT_FALSE(ws->close());
}

TEST_F(WebSocket, JsonTextIsTranscodedForMsgpackFunctions) {
  auto ws = open("/plugins/greet/greet");
  ASSERT_NE(ws, nullptr);
  for (const std::string name : {"Ada", "Bo"}) {
    auto reply = ws->call(json::serialize(json::object{{"name", name}}), true);
    ASSERT_TRUE(reply) << reply.error().message();
    EXPECT_TRUE(reply->text);
    EXPECT_EQ(json::parse(reply->data).at("message").as_string(), "Hello, " + name + "!");
  }
}

TEST_F(WebSocket, APluginErrorClosesTheSessionWith4000PlusItsStatusAndTheMessage) {
  auto ws = open("/plugins/greet/greet");
  ASSERT_NE(ws, nullptr);
  auto ok = ws->call(R"({"name":"Ada"})", true);
  ASSERT_TRUE(ok) << ok.error().message();
  auto reply = ws->call(R"({"name":""})", true);
  ASSERT_FALSE(reply) << "an error is never a data message: " << reply->data;
  EXPECT_EQ(reply.error(), websocket::error::closed) << reply.error().message();
  const auto& why = ws->close_reason();
  EXPECT_EQ(static_cast<unsigned>(why.code), 4400u);
  EXPECT_NE(std::string(why.reason.c_str()).find("name must not be empty"), std::string::npos) << why.reason;

  // A new session on the same function works.
  auto again = open("/plugins/greet/greet");
  ASSERT_NE(again, nullptr);
  auto next = again->call(R"({"name":"Bo"})", true);
  ASSERT_TRUE(next) << next.error().message();
  EXPECT_EQ(json::parse(next->data).at("message").as_string(), "Hello, Bo!");
}

TEST_F(WebSocket, ATrapCloses4500AndTheWorkerServesTheNextSession) {
  for (int i = 0; i < 3; ++i) {
    auto ws = open("/plugins/trap/unreachable");
    ASSERT_NE(ws, nullptr);
    auto reply = ws->call("", false);
    ASSERT_FALSE(reply) << "session " << i;
    EXPECT_EQ(static_cast<unsigned>(ws->close_reason().code), 4500u) << "session " << i;
    EXPECT_NE(std::string(ws->close_reason().reason.c_str()).find("unreachable"), std::string::npos)
        << ws->close_reason().reason;
  }
  // The worker that trapped still serves the same plugin.
  auto ok = open("/plugins/trap/ok");
  ASSERT_NE(ok, nullptr);
  auto reply = ok->call("", false);
  ASSERT_TRUE(reply) << reply.error().message();
  EXPECT_EQ(reply->data, "ok");
}

TEST(WebSocketClose, AReasonIsCutToACloseFramesLimitOnACharacterBoundary) {
  EXPECT_EQ(server::ws_close_reason("short"), "short");
  const std::string ascii(200, 'a');
  EXPECT_EQ(server::ws_close_reason(ascii).size(), 123u);
  std::string accents;
  for (int i = 0; i < 100; ++i) accents += "\xc3\xa9";  // U+00E9, two bytes each
  const std::string_view cut = server::ws_close_reason(accents);
  EXPECT_EQ(cut.size(), 122u) << "123 would split a character";
  EXPECT_EQ(static_cast<unsigned char>(cut.back()), 0xa9);
}

TEST_F(WebSocket, UnknownPluginOrFunctionUpgradeIsRefusedWith404) {
  for (const std::string target : {"/plugins/nope/echo", "/plugins/echo/nope"}) {
    WsClient ws(gateway_->port());
    const auto ec = ws.connect(target);
    EXPECT_EQ(ec, websocket::error::upgrade_declined) << target << ": " << ec.message();
    EXPECT_EQ(ws.upgrade_response().result_int(), 404) << target;
  }
}

TEST_F(WebSocket, MessageOverTheLimitClosesTheSessionWith1009) {
  auto ws = open("/plugins/echo/echo");
  ASSERT_NE(ws, nullptr);
  ASSERT_TRUE(ws->call("fits", false));
  // The write itself may fail once the server has closed; the close frame
  // is what matters.
  (void)ws->send_binary(std::string(kMaxMessage + 1, 'x'));
  auto reply = ws->read();
  ASSERT_FALSE(reply) << "no reply to an oversized message";
  EXPECT_EQ(reply.error(), websocket::error::closed) << reply.error().message();
  EXPECT_EQ(ws->close_reason().code, websocket::close_code::too_big);
}

// A message over the plugin's input limit (twice limits.max_body_bytes) but
// within limits.ws_max_message_bytes is refused before the call: 413
// input_too_large, the one error kind for oversized input, as close code 4413.
TEST(WebSocketInput, AMessageOverThePluginsInputLimitIsInputTooLarge) {
  auto c = test_config(fresh_dir("ws-input"));
  c.server.load_example_plugins = false;
  c.server.public_metrics = true;
  c.limits.max_body_bytes = 1024;  // the plugin's input limit: 2048 bytes
  c.limits.ws_max_message_bytes = kMaxMessage;
  c.plugins.push_back(plugin_entry("echo", "echo"));
  auto g = start_gateway(std::move(c));
  ASSERT_NE(g, nullptr);
  WsClient ws(g->port());
  ASSERT_FALSE(ws.connect("/plugins/echo/echo"));
  auto fits = ws.call("ping", false);
  ASSERT_TRUE(fits);
  EXPECT_EQ(fits->data, "ping");

  auto r = ws.call(std::string(4096, 'x'), false);
  ASSERT_FALSE(r);
  EXPECT_EQ(static_cast<unsigned>(ws.close_reason().code), 4413u);
  EXPECT_NE(std::string(ws.close_reason().reason.c_str()).find("exceeds the plugin's limit of 2048"),
            std::string::npos)
      << ws.close_reason().reason;

  HttpClient probe(g->port());
  const std::string metrics = probe.get("/metrics").body();
  EXPECT_NE(metrics.find(R"(hookd_requests_total{plugin="echo",fn="echo",code="413"} 1)"), std::string::npos);
  EXPECT_NE(metrics.find(R"(hookd_request_errors_total{plugin="echo",fn="echo",kind="input_too_large"} 1)"),
            std::string::npos);
}

// Removing a plugin closes its open sessions (1001 going away) without
// waiting for their next message or their idle timeout.
TEST(WebSocketClose, RemovingThePluginClosesItsIdleSessionsWith1001) {
  auto c = test_config(fresh_dir("ws-remove"));
  c.server.load_example_plugins = false;
  c.limits.ws_max_message_bytes = kMaxMessage;
  auto g = start_gateway(std::move(c));
  ASSERT_NE(g, nullptr);
  AdminClient admin(g->admin_port(), "test-token");
  ASSERT_EQ(admin.put("gone", plugin_bytes("echo")).result_int(), 201);
  ASSERT_EQ(admin.put("stays", plugin_bytes("echo")).result_int(), 201);
  WsClient doomed(g->port());
  ASSERT_FALSE(doomed.connect("/plugins/gone/echo"));
  WsClient other(g->port());
  ASSERT_FALSE(other.connect("/plugins/stays/echo"));
  ASSERT_TRUE(doomed.call("before", false));

  ASSERT_EQ(admin.remove("gone").result_int(), 204);
  auto r = doomed.read();  // bounded by the client's own read timeout
  ASSERT_FALSE(r) << "the session was closed, not answered";
  EXPECT_EQ(r.error(), websocket::error::closed) << r.error().message();
  EXPECT_EQ(doomed.close_reason().code, websocket::close_code::going_away);

  auto still = other.call("after", false);
  ASSERT_TRUE(still) << still.error().message();
  EXPECT_EQ(still->data, "after");
}

}  // namespace
}  // namespace hookd::test
