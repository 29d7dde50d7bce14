// WebSocket sessions on GET /plugins/<name>/<fn> against a real gateway on
// port 0 with a real Beast client: one reply per message, JSON transcoding,
// errors as messages on a session that stays open, and the size limit.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "gateway_fixture.hpp"
#include "http_client.hpp"
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

  static json::object error_message(const WsMessage& m) {
    EXPECT_TRUE(m.text) << "errors are text messages";
    return json::parse(m.data).as_object();
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

TEST_F(WebSocket, PluginErrorIsAJsonTextMessageAndTheSessionStaysOpen) {
  auto ws = open("/plugins/greet/greet");
  ASSERT_NE(ws, nullptr);
  auto reply = ws->call(R"({"name":""})", true);
  ASSERT_TRUE(reply) << reply.error().message();
  auto e = error_message(*reply);
  EXPECT_NE(std::string(e.at("error").as_string()).find("name must not be empty"), std::string::npos)
      << reply->data;
  EXPECT_EQ(e.at("plugin").as_string(), "greet");
  EXPECT_EQ(e.at("fn").as_string(), "greet");
  EXPECT_FALSE(e.at("request_id").as_string().empty());

  auto next = ws->call(R"({"name":"Ada"})", true);
  ASSERT_TRUE(next) << next.error().message();
  EXPECT_EQ(json::parse(next->data).at("message").as_string(), "Hello, Ada!");
}

TEST_F(WebSocket, TrapIsAnErrorMessageAndTheNextMessageIsHandled) {
  auto ws = open("/plugins/trap/unreachable");
  ASSERT_NE(ws, nullptr);
  std::string first_id;
  for (int i = 0; i < 3; ++i) {
    auto reply = ws->call("", false);
    ASSERT_TRUE(reply) << "message " << i << ": " << reply.error().message();
    auto e = error_message(*reply);
    EXPECT_NE(std::string(e.at("error").as_string()).find("unreachable"), std::string::npos) << reply->data;
    EXPECT_EQ(e.at("plugin").as_string(), "trap");
    EXPECT_EQ(e.at("fn").as_string(), "unreachable");
    if (i == 0) {
      first_id = e.at("request_id").as_string();
    } else {
      EXPECT_NE(e.at("request_id").as_string(), first_id) << "each message is its own request";
    }
  }
  // The worker that trapped still serves the same plugin.
  auto ok = open("/plugins/trap/ok");
  ASSERT_NE(ok, nullptr);
  auto reply = ok->call("", false);
  ASSERT_TRUE(reply) << reply.error().message();
  EXPECT_EQ(reply->data, "ok");
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
// input_too_large, the one error kind for oversized input; the session stays
// open.
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

  auto r = ws.call(std::string(4096, 'x'), false);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(r->text);
  auto e = json::parse(r->data).as_object();
  EXPECT_NE(std::string(e["error"].as_string()).find("exceeds the plugin's limit of 2048"), std::string::npos)
      << r->data;
  auto again = ws.call("ping", false);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->data, "ping");

  HttpClient probe(g->port());
  const std::string metrics = probe.get("/metrics").body();
  EXPECT_NE(metrics.find(R"(hookd_requests_total{plugin="echo",fn="echo",code="413"} 1)"), std::string::npos);
  EXPECT_NE(metrics.find(R"(hookd_request_errors_total{plugin="echo",fn="echo",kind="input_too_large"} 1)"),
            std::string::npos);
}

}  // namespace
}  // namespace hookd::test
