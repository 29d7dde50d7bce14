// Plugins as HTTP handlers through the route table, on a real gateway: the
// config file's [[routes]] and the routes an upload brings, the whole request
// in and the whole response out, 404 / 405 with Allow / HEAD from GET, the
// fixed /plugins/<name>/<fn> route unchanged, conflicts refused with both
// routes named, GET /admin/routes, WebSocket upgrades on a route, headers a
// plugin must not set, and routes changing under load without a failed
// request.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json.hpp>
#include <thread>

#include "admin_client.hpp"
#include "gateway_fixture.hpp"
#include "http_client.hpp"
#include "ws_client.hpp"

namespace hookd::test {
namespace {

namespace json = boost::json;

config::RouteConfig route(std::string plugin, std::vector<std::string> methods, std::string path,
                          std::string function) {
  config::RouteConfig r;
  r.plugin = std::move(plugin);
  r.methods = std::move(methods);
  r.path = std::move(path);
  r.function = std::move(function);
  return r;
}

// Sends `request` (which should ask to close) and reads until the server
// closes: the exact bytes of the answer, for what a Beast client hides
// (repeated fields, a HEAD answer's missing body).
std::string exchange_raw(uint16_t port, const std::string& request) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket s(io);
  s.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  boost::asio::write(s, boost::asio::buffer(request));
  std::string out;
  char buf[4096];
  for (;;) {
    pollfd p{s.native_handle(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(kWaitBound.count())) <= 0) break;  // the bound, not a timing
    boost::system::error_code ec;
    const std::size_t n = s.read_some(boost::asio::buffer(buf), ec);
    out.append(buf, n);
    if (ec) break;
  }
  return out;
}

class Routes : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = test_config(fresh_dir("routes"));
    c.plugins.push_back(plugin_entry("ex", "exchange"));
    c.plugins.push_back(plugin_entry("echo", "echo"));
    c.routes.push_back(route("ex", {"GET"}, "/users/{id}", "redirect"));
    c.routes.push_back(route("ex", {"POST", "PUT"}, "/status", "status"));
    c.routes.push_back(route("ex", {}, "/any/*", "headers"));
    c.routes.push_back(route("echo", {"GET"}, "/ws/echo", "echo"));
    c.routes.push_back(route("ex", {"GET"}, "/rooms/{id}", "route_id"));
    gateway_ = start_gateway(std::move(c));
    ASSERT_NE(gateway_, nullptr);
  }

  uint16_t port() const { return gateway_->port(); }
  AdminClient admin() const { return AdminClient(gateway_->admin_port(), "test-token"); }

  std::unique_ptr<server::Gateway> gateway_;
};

TEST_F(Routes, AFileRouteCallsItsFunctionWithTheWholeRequestAndSendsTheWholeResponse) {
  const std::string answer = exchange_raw(port(),
                                          "GET /users/42?q=a%20b HTTP/1.1\r\nHost: h\r\nX-Token: one\r\n"
                                          "x-token: two\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 302 Found\r\n")) << answer;
  EXPECT_NE(answer.find("\r\nLocation: /users/42\r\n"), std::string::npos) << answer;
  EXPECT_NE(answer.find("\r\nSet-Cookie: a=1; Path=/\r\n"), std::string::npos) << answer;
  EXPECT_NE(answer.find("\r\nSet-Cookie: b=2; HttpOnly\r\n"), std::string::npos) << answer;
  EXPECT_NE(answer.find("\r\nContent-Type: text/plain\r\n"), std::string::npos) << answer;
  EXPECT_NE(answer.find("\r\nX-Request-Id: "), std::string::npos) << answer;
  const std::string body = answer.substr(answer.find("\r\n\r\n") + 4);
  EXPECT_EQ(body, "GET token=one,two third=none q=a b id=42 path=/users/42") << answer;
}

TEST_F(Routes, AnotherMethodOnARouteIs405WithAllowAndHeadIsAnsweredFromGetWithoutABody) {
  HttpClient c(port());
  auto r = c.post("/users/1", "x");
  EXPECT_EQ(r.result_int(), 405) << r.body();
  EXPECT_EQ(r[http::field::allow], "GET, HEAD");
  r = c.get("/status");
  EXPECT_EQ(r.result_int(), 405) << r.body();
  EXPECT_EQ(r[http::field::allow], "POST, PUT");

  const std::string get = c.get("/users/7").body();
  const std::string head =
      exchange_raw(port(), "HEAD /users/7 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(head.starts_with("HTTP/1.1 302 Found\r\n")) << head;
  // The function names the method it saw in its body: "HEAD" is one
  // letter longer than "GET", and the length is that of the body not sent.
  EXPECT_TRUE(get.starts_with("GET ")) << get;
  EXPECT_NE(head.find("\r\nContent-Length: " + std::to_string(get.size() + 1) + "\r\n"), std::string::npos)
      << head;
  EXPECT_TRUE(head.ends_with("\r\n\r\n")) << "a HEAD answer has no body: " << head;
}

TEST_F(Routes, UnmatchedPathsAre404BuiltInRoutesComeFirstAndTheFixedRouteWorksAsBefore) {
  HttpClient c(port());
  EXPECT_EQ(c.get("/nope").result_int(), 404);
  EXPECT_EQ(c.get("/users").result_int(), 404);
  EXPECT_EQ(c.get("/healthz").result_int(), 200);
  auto r = c.post("/plugins/echo/echo", "same as ever");
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(r.body(), "same as ever");
  // The fixed route gets the exchange too: a status the plugin sets.
  r = c.post("/plugins/ex/status", "201");
  EXPECT_EQ(r.result_int(), 201) << r.body();
  EXPECT_EQ(r.body(), "ok");
  // A route for any method, with a trailing wildcard.
  r = c.send({http::verb::patch, "/any/deep/er", "", {{"X-Seen", "yes"}}});
  EXPECT_EQ(r.result_int(), 200) << r.body();
  EXPECT_NE(r.body().find("X-Seen: yes\n"), std::string::npos) << r.body();
}

TEST_F(Routes, StatusesAPluginCannotEndAResponseWithAreItsErrorAndBodilessOnesLoseTheBody) {
  HttpClient c(port());
  auto r = c.post("/status", "101");
  EXPECT_EQ(r.result_int(), 502) << r.body();
  EXPECT_NE(error_of(r).find("informational"), std::string::npos) << r.body();
  const std::string no_content = exchange_raw(
      port(), "POST /status HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nConnection: close\r\n\r\n204");
  EXPECT_TRUE(no_content.starts_with("HTTP/1.1 204 No Content\r\n")) << no_content;
  EXPECT_TRUE(no_content.ends_with("\r\n\r\n")) << no_content;
  for (const std::string bad : {"99", "600", "-1"}) {
    r = c.post("/status", bad);
    EXPECT_EQ(r.result_int(), 200) << bad;
    EXPECT_TRUE(r.body().starts_with("error: ")) << bad << ": " << r.body();
  }
}

TEST_F(Routes, HeadersThatWouldSplitOrReframeTheResponseAreRefusedToThePlugin) {
  for (const std::string& input :
       {std::string("X-Evil\nfoo\r\nSet-Cookie: stolen=1"), std::string("X-Evil\nfoo\nbar"),
        std::string("Content-Length\n5"), std::string("Transfer-Encoding\nchunked"),
        std::string("Connection\nclose"), std::string("Bad Name\nv"), std::string("X-Nul\na\0b", 9)}) {
    const std::string answer = exchange_raw(
        port(), "POST /plugins/ex/add_header HTTP/1.1\r\nHost: h\r\nConnection: close\r\nContent-Length: " +
                    std::to_string(input.size()) + "\r\n\r\n" + input);
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 200 OK\r\n")) << answer;
    const std::string head = answer.substr(0, answer.find("\r\n\r\n"));
    EXPECT_EQ(head.find("stolen"), std::string::npos) << head;
    EXPECT_EQ(head.find("X-Evil"), std::string::npos) << head;
    EXPECT_EQ(head.find("chunked"), std::string::npos) << head;
    EXPECT_NE(answer.find("\r\n\r\nerror: "), std::string::npos) << answer;
  }
  // 10,000 headers: the sink's bound stops the plugin at 100.
  HttpClient c(port());
  auto r = c.post("/plugins/ex/add_many", "10000");
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_TRUE(r.body().starts_with("100 ")) << r.body();
  std::size_t n = 0;
  for (const auto& f : r) n += f.name_string() == "X-N" ? 1 : 0;
  EXPECT_EQ(n, 100u);
}

TEST_F(Routes, AWebSocketUpgradeOnARouteGoesToItsFunction) {
  WsClient ws(port());
  ASSERT_FALSE(ws.connect("/ws/echo"));
  auto reply = ws.call("over a route", true);
  ASSERT_TRUE(reply) << reply.error().message();
  EXPECT_EQ(reply->data, "over a route");
  // Each message's call reads the upgrade request: its path and the route's
  // parameters (a message has no HTTP response to shape).
  WsClient room(port());
  ASSERT_FALSE(room.connect("/rooms/lobby?x=1"));
  for (const std::string message : {"hello", "again"}) {
    reply = room.call(message, false);
    ASSERT_TRUE(reply) << reply.error().message();
    EXPECT_EQ(reply->data, "GET /rooms/lobby id=lobby got=" + message);
  }
  WsClient nowhere(port());
  EXPECT_EQ(nowhere.connect("/ws/none"), websocket::error::upgrade_declined);
  EXPECT_EQ(nowhere.upgrade_response().result_int(), 404);
}

TEST_F(Routes, AdminRoutesListsTheTableAndEachPluginItsRoutes) {
  auto r = admin().send(http::verb::get, "/admin/routes");
  ASSERT_EQ(r.result_int(), 200) << r.body();
  const auto routes = json::parse(r.body()).at("routes").as_array();
  ASSERT_EQ(routes.size(), 5u);
  bool found = false;
  for (const auto& v : routes) {
    if (v.at("path") != "/users/{id}") continue;
    found = true;
    EXPECT_EQ(v.at("plugin"), "ex");
    EXPECT_EQ(v.at("function"), "redirect");
    EXPECT_EQ(v.at("methods"), json::array({"GET"}));
    EXPECT_TRUE(v.at("host").is_null());
    EXPECT_NE(std::string(v.at("origin").as_string()).find("routes[0]"), std::string::npos);
  }
  EXPECT_TRUE(found) << r.body();
  const json::value ex = admin().listed("ex");
  ASSERT_FALSE(ex.is_null());
  EXPECT_EQ(ex.at("routes").as_array().size(), 4u);
  EXPECT_EQ(admin().send(http::verb::post, "/admin/routes").result_int(), 405);
}

// The same handler written for each ABI answers alike through a route.
TEST(RoutesEveryAbi, NativeExtismAndWapcHandlersReadTheRequestAndShapeTheResponse) {
  auto c = test_config(fresh_dir("routes-abi"));
  c.plugins.push_back(plugin_entry("native", "exchange"));
  c.plugins.push_back(plugin_entry("extism", "as_extism_exchange"));
  auto wapc = plugin_entry("wapc", "as_wapc_exchange");
  wapc.settings.functions = {config::FunctionName{"redirect"}};
  c.plugins.push_back(std::move(wapc));
  for (const char* abi : {"native", "extism", "wapc"}) {
    c.routes.push_back(route(abi, {"GET"}, std::string("/") + abi + "/users/{id}", "redirect"));
  }
  auto g = start_gateway(std::move(c));
  ASSERT_NE(g, nullptr);
  for (const std::string abi : {"native", "extism", "wapc"}) {
    const std::string answer =
        exchange_raw(g->port(), "GET /" + abi + "/users/9?q=x HTTP/1.1\r\nHost: h\r\nX-Token: one\r\n" +
                                    "X-Token: two\r\nConnection: close\r\n\r\n");
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 302 Found\r\n")) << abi << ": " << answer;
    EXPECT_NE(answer.find("\r\nLocation: /users/9\r\n"), std::string::npos) << abi << ": " << answer;
    EXPECT_NE(answer.find("\r\nSet-Cookie: a=1; Path=/\r\n"), std::string::npos) << abi << ": " << answer;
    EXPECT_NE(answer.find("\r\nSet-Cookie: b=2; HttpOnly\r\n"), std::string::npos) << abi << ": " << answer;
    const std::string body = answer.substr(answer.find("\r\n\r\n") + 4);
    EXPECT_TRUE(body.starts_with("GET token=one,two")) << abi << ": " << body;
    EXPECT_NE(body.find("q=x"), std::string::npos) << abi << ": " << body;
    EXPECT_NE(body.find("id=9"), std::string::npos) << abi << ": " << body;
  }
}

class UploadedRoutes : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = test_config(fresh_dir("uploaded-routes"));
    c.server.load_example_plugins = false;
    gateway_ = start_gateway(std::move(c));
    ASSERT_NE(gateway_, nullptr);
  }
  Response put(const std::string& name, const std::string& routes_json) {
    return admin().put(name, plugin_bytes("exchange"),
                       {{"X-Hookd-Settings", R"({"routes":)" + routes_json + "}"}});
  }
  AdminClient admin() const { return AdminClient(gateway_->admin_port(), "test-token"); }
  std::unique_ptr<server::Gateway> gateway_;
};

TEST_F(UploadedRoutes, AnUploadBringsItsRoutesAReplaceChangesThemADeleteRemovesThem) {
  ASSERT_EQ(put("up", R"([{"methods":["GET"],"path":"/a/{id}","function":"headers"}])").result_int(), 201);
  HttpClient c(gateway_->port());
  auto r = c.get("/a/7");
  EXPECT_EQ(r.result_int(), 200) << r.body();
  EXPECT_NE(r.body().find("Host: 127.0.0.1\n"), std::string::npos) << r.body();

  ASSERT_EQ(put("up", R"([{"methods":["GET"],"path":"/b/{id}","function":"headers"}])").result_int(), 200);
  EXPECT_EQ(c.get("/a/7").result_int(), 404);
  EXPECT_EQ(c.get("/b/7").result_int(), 200);
  auto listed = json::parse(admin().send(http::verb::get, "/admin/routes").body()).at("routes").as_array();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].at("path"), "/b/{id}");
  EXPECT_EQ(listed[0].at("origin"), "plugin up: routes[0]");

  ASSERT_EQ(admin().remove("up").result_int(), 204);
  EXPECT_EQ(c.get("/b/7").result_int(), 404);
  EXPECT_TRUE(
      json::parse(admin().send(http::verb::get, "/admin/routes").body()).at("routes").as_array().empty());
}

TEST_F(UploadedRoutes, AConflictOrAnUnknownFunctionIsRefusedAndTheServingVersionStays) {
  ASSERT_EQ(put("p1", R"([{"methods":["GET"],"path":"/c/{x}","function":"headers"}])").result_int(), 201);
  auto r = put("p2", R"([{"methods":["GET","POST"],"path":"/c/{y}","function":"headers"}])");
  EXPECT_EQ(r.result_int(), 400) << r.body();
  EXPECT_NE(error_of(r).find("plugin p1: routes[0]"), std::string::npos) << r.body();
  EXPECT_NE(error_of(r).find("plugin p2: routes[0]"), std::string::npos) << r.body();
  EXPECT_TRUE(admin().listed("p2").is_null());

  r = put("p1", R"([{"path":"/c/{x}","function":"no_such_fn"}])");
  EXPECT_EQ(r.result_int(), 400) << r.body();
  EXPECT_NE(error_of(r).find("no_such_fn"), std::string::npos) << r.body();
  HttpClient c(gateway_->port());
  EXPECT_EQ(c.get("/c/1").result_int(), 200) << "the old version and its routes still serve";

  r = put("p3", R"([{"path":"no-slash","function":"headers"}])");
  EXPECT_EQ(r.result_int(), 400) << r.body();
}

TEST_F(UploadedRoutes, RoutesChangingUnderLoadFailNoRequest) {
  ASSERT_EQ(put("live", R"([{"methods":["GET"],"path":"/live/{id}","function":"reads"}])").result_int(), 201);
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> requests{0};
  std::vector<std::string> failures[3];
  std::vector<std::thread> clients;
  for (auto& failed : failures) {
    clients.emplace_back([&, port = gateway_->port()] {
      while (!stop.load()) {
        HttpClient c(port);
        for (int i = 0; i < 20 && !stop.load(); ++i) {
          auto r = c.get("/live/5?q=1", {{"X-Token", "t"}});
          ++requests;
          // reads wants two X-Token values; with one it says so, as a 200.
          if (r.result_int() != 200 && failed.size() < 5)
            failed.push_back(std::to_string(r.result_int()) + " " + r.body());
        }
      }
    });
  }
  // Each replace adds or drops a second route beside the one under load.
  for (int i = 0; i < 30; ++i) {
    const std::string extra = i % 2 == 0 ? R"(,{"methods":["POST"],"path":"/other/)" + std::to_string(i) +
                                               R"(","function":"status"})"
                                         : "";
    auto r = put("live", R"([{"methods":["GET"],"path":"/live/{id}","function":"reads"})" + extra + "]");
    ASSERT_EQ(r.result_int(), 200) << r.body();
  }
  stop = true;
  for (auto& t : clients) t.join();
  EXPECT_GT(requests.load(), 0u);
  for (const auto& failed : failures) EXPECT_TRUE(failed.empty()) << failed.front();
}

TEST(RoutesStart, AFileRouteToAPluginThatIsNotLoadedStopsTheStartNamingIt) {
  auto c = test_config(fresh_dir("routes-ghost"));
  c.plugins.push_back(plugin_entry("echo", "echo"));
  c.routes.push_back(route("ghost", {"GET"}, "/g", "echo"));
  auto g = server::start_gateway({std::move(c), HOOKD_PLUGIN_DIR});
  ASSERT_FALSE(g);
  EXPECT_NE(g.error().message.find("\"ghost\""), std::string::npos) << g.error().message;
  EXPECT_NE(g.error().message.find("not loaded"), std::string::npos) << g.error().message;
}

TEST(RoutesStart, AFileRouteToAFunctionThePluginLacksStopsTheStart) {
  auto c = test_config(fresh_dir("routes-nofn"));
  c.plugins.push_back(plugin_entry("echo", "echo"));
  c.routes.push_back(route("echo", {"GET"}, "/g", "nope"));
  auto g = server::start_gateway({std::move(c), HOOKD_PLUGIN_DIR});
  ASSERT_FALSE(g);
  EXPECT_NE(g.error().message.find("nope"), std::string::npos) << g.error().message;
}

}  // namespace
}  // namespace hookd::test
