// The admin listener against hostile and numerous clients (docs/security.md, attack classes
// 1, 2 and 10): the token is checked at the header, before any body is read;
// module size and connection count are capped; /metrics and the plugin list
// are served there (with the token) and on the public port only when asked.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "admin_client.hpp"
#include "bounded_io.hpp"
#include "eventually.hpp"
#include "gateway_fixture.hpp"
#include "hostile_client.hpp"
#include "http_client.hpp"
#include "units.hpp"

namespace hookd::test {
namespace {

namespace json = boost::json;

config::Config admin_config(std::string_view tag) {
  auto c = test_config(fresh_dir(tag));
  c.server.load_example_plugins = false;
  c.plugins.push_back(plugin_entry("echo", "echo"));
  return c;
}

std::string put_header(std::string_view name, uint64_t length, std::string_view extra) {
  return "PUT /admin/plugins/" + std::string(name) +
         " HTTP/1.1\r\nHost: x\r\nContent-Type: application/wasm\r\n" +
         "Content-Length: " + std::to_string(length) + "\r\n" + std::string(extra) + "\r\n";
}

TEST(AdminHardening, APutWithoutTheTokenIsRefusedAtTheHeaderBeforeItsBody) {
  auto g = start_gateway(admin_config("admin-auth-header"));
  ASSERT_NE(g, nullptr);
  for (const std::string auth : {"", "Authorization: Bearer wrong\r\n"}) {
    TcpConnection c(g->admin_port(), std::chrono::seconds(10));
    ASSERT_FALSE(c.connect());
    // Only the header of a 60 MiB upload: the answer must not wait for the body.
    ASSERT_FALSE(c.write(put_header("big", 60 * kMiB, auth)));
    auto r = c.read_response();
    ASSERT_TRUE(r.has_value()) << "no answer before the body: " << r.error().message();
    EXPECT_EQ(r->result_int(), 401);
    EXPECT_EQ((*r)[http::field::www_authenticate], "Bearer realm=\"hookd-admin\"");
    EXPECT_FALSE(r->keep_alive());
    EXPECT_TRUE(closed_by_server(c.wait_for_close()));
  }
}

TEST(AdminHardening, AnAuthorizedPutThatExpectsContinueGets100ThenItsResult) {
  auto g = start_gateway(admin_config("admin-continue"));
  ASSERT_NE(g, nullptr);
  const std::string wasm = plugin_bytes("echo");
  ASSERT_FALSE(wasm.empty());
  TcpConnection c(g->admin_port());
  ASSERT_FALSE(c.connect());
  ASSERT_FALSE(c.write(
      put_header("echo2", wasm.size(), "Authorization: Bearer test-token\r\nExpect: 100-continue\r\n")));
  auto interim = c.read_response();
  ASSERT_TRUE(interim.has_value()) << interim.error().message();
  EXPECT_EQ(interim->result_int(), 100);
  ASSERT_FALSE(c.write(wasm));
  auto r = c.read_response();
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->result_int(), 201) << r->body();
}

TEST(AdminHardening, APutThatExpectsContinueWithoutTheTokenGets401NotThe100) {
  auto g = start_gateway(admin_config("admin-continue-401"));
  ASSERT_NE(g, nullptr);
  TcpConnection c(g->admin_port());
  ASSERT_FALSE(c.connect());
  ASSERT_FALSE(c.write(put_header("echo2", 1024, "Expect: 100-continue\r\n")));
  auto r = c.read_response();
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->result_int(), 401);
  EXPECT_TRUE(closed_by_server(c.wait_for_close()));
}

TEST(AdminHardening, TheBearerSchemeIsCaseInsensitive) {
  auto g = start_gateway(admin_config("admin-bearer-case"));
  ASSERT_NE(g, nullptr);
  const std::vector<std::pair<std::string, int>> cases = {
      {"Bearer test-token", 200}, {"bearer test-token", 200}, {"BEARER  test-token", 200},
      {"bearer wrong", 401},      {"bearertest-token", 401},  {"Basic test-token", 401},
  };
  for (const auto& [auth, status] : cases) {
    TcpConnection c(g->admin_port());
    ASSERT_FALSE(c.connect());
    ASSERT_FALSE(c.write("GET /admin/plugins HTTP/1.1\r\nHost: x\r\nAuthorization: " + auth + "\r\n\r\n"));
    auto r = c.read_response();
    ASSERT_TRUE(r.has_value()) << r.error().message();
    EXPECT_EQ(r->result_int(), status) << auth;
  }
}

// The admin listener's header (16 KiB) is counted across reads like the
// public one's: a header of tiny lines is 431 before any token check, just
// past the limit (it read 8 MiB of them before its 401).
TEST(AdminHardening, TinyHeaderLinesAre431JustPastTheAdminHeaderLimit) {
  auto c = admin_config("admin-tiny-lines");
  c.limits.max_header_fields = 10'000;  // the byte limit is what this reaches
  auto g = start_gateway(std::move(c));
  ASSERT_NE(g, nullptr);
  expect_431_just_past_the_limit(g->admin_port(), "/admin/plugins", "Host: x\r\n", 16 * 1024);
}

TEST(AdminHardening, MoreThanMaxHeaderFieldsIs431AndCounted) {
  auto g = start_gateway(admin_config("admin-header-fields"));
  ASSERT_NE(g, nullptr);
  TcpConnection c(g->admin_port());
  ASSERT_FALSE(c.connect());
  // Host and 100 more fields, of the default 100, and the header still arriving.
  ASSERT_FALSE(c.write(tiny_header_lines("GET /admin/plugins HTTP/1.1\r\nHost: x\r\n", 1, 42 + 4 * 100)));
  auto r = c.read_response();
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->result_int(), 431);
  auto metrics = AdminClient(g->admin_port(), "test-token").send(http::verb::get, "/metrics");
  ASSERT_EQ(metrics.result_int(), 200);
  EXPECT_NE(
      metrics.body().find("hookd_requests_refused_total{listener=\"admin\",reason=\"header_fields\"} 1"),
      std::string::npos)
      << metrics.body();
}

TEST(AdminHardening, AModuleOverMaxModuleBytesIs413AtTheHeader) {
  auto c = admin_config("admin-module-cap");
  c.limits.max_module_bytes = 1 * kMiB;
  auto g = start_gateway(std::move(c));
  ASSERT_NE(g, nullptr);
  TcpConnection conn(g->admin_port());
  ASSERT_FALSE(conn.connect());
  ASSERT_FALSE(conn.write(put_header("big", 2 * kMiB, "Authorization: Bearer test-token\r\n")));
  auto r = conn.read_response();
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->result_int(), 413);
  EXPECT_NE(r->body().find("max_module_bytes"), std::string::npos) << r->body();
  EXPECT_TRUE(closed_by_server(conn.wait_for_close()));
}

TEST(AdminHardening, AChunkedModuleOverMaxModuleBytesIs413) {
  auto c = admin_config("admin-module-cap-chunked");
  c.limits.max_module_bytes = 64 * 1024;
  auto g = start_gateway(std::move(c));
  ASSERT_NE(g, nullptr);
  TcpConnection conn(g->admin_port());
  ASSERT_FALSE(conn.connect());
  ASSERT_FALSE(
      conn.write("PUT /admin/plugins/big HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer test-token\r\n"
                 "Transfer-Encoding: chunked\r\n\r\n20000\r\n"));
  auto r = conn.read_response();
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->result_int(), 413);
}

TEST(AdminHardening, TrailersOnTheAdminListenerAreRefused) {
  auto g = start_gateway(admin_config("admin-trailers"));
  ASSERT_NE(g, nullptr);
  TcpConnection conn(g->admin_port());
  ASSERT_FALSE(conn.connect());
  ASSERT_FALSE(
      conn.write("GET /admin/plugins HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer test-token\r\n"
                 "Transfer-Encoding: chunked\r\n\r\n0\r\nX-Request-Id: forged\r\n\r\n"));
  auto r = conn.read_response();
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->result_int(), 400);
  EXPECT_NE((*r)["X-Request-Id"], "forged");
}

TEST(AdminHardening, AdminConnectionsOverTheirCapGetA503AndAreCounted) {
  auto c = admin_config("admin-connection-cap");
  c.limits.admin_max_connections = 2;
  auto g = start_gateway(std::move(c));
  ASSERT_NE(g, nullptr);
  const std::string list =
      "GET /admin/plugins HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer test-token\r\n\r\n";
  std::vector<std::unique_ptr<TcpConnection>> held;
  for (int i = 0; i < 2; ++i) {
    held.push_back(std::make_unique<TcpConnection>(g->admin_port()));
    ASSERT_FALSE(held.back()->connect());
    ASSERT_FALSE(held.back()->write(list));
    auto r = held.back()->read_response();  // accepted and counted
    ASSERT_TRUE(r.has_value()) << r.error().message();
    ASSERT_EQ(r->result_int(), 200);
  }
  TcpConnection over(g->admin_port());
  ASSERT_FALSE(over.connect());
  auto r = over.read_response();
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->result_int(), 503);
  EXPECT_EQ((*r)[http::field::retry_after], "1");
  boost::system::error_code ec;
  json::parse(r->body(), ec);
  EXPECT_FALSE(ec) << r->body();

  // A slot freed is a slot for the next client.
  held.pop_back();
  Response metrics;
  eventually([&] {
    metrics = AdminClient(g->admin_port(), "test-token").send(http::verb::get, "/metrics");
    return metrics.result_int() == 200;
  });
  ASSERT_EQ(metrics.result_int(), 200);
  EXPECT_NE(metrics.body().find("hookd_connections_rejected_total{listener=\"admin\"} "), std::string::npos);
  EXPECT_EQ(metrics.body().find("hookd_connections_rejected_total{listener=\"admin\"} 0"), std::string::npos);
}

TEST(AdminHardening, AnonymousConnectionsFillingTheCapDoNotLockTheOperatorOut) {
  auto g = start_gateway(admin_config("admin-anonymous-cap"));  // the default cap, 64
  ASSERT_NE(g, nullptr);
  // More idle connections than the cap, half of them with half a header.
  std::vector<std::unique_ptr<TcpConnection>> anonymous;
  for (int i = 0; i < 80; ++i) {
    anonymous.push_back(std::make_unique<TcpConnection>(g->admin_port()));
    ASSERT_FALSE(anonymous.back()->connect());
    if (i % 2 == 1) {
      ASSERT_FALSE(anonymous.back()->write("GET /admin/plugins HTTP/1.1\r\nHost: x\r\n"));
    }
  }
  AdminClient admin(g->admin_port(), "test-token");
  const Response list = admin.list();
  EXPECT_EQ(list.result_int(), 200) << list.body();
  const Response metrics = admin.send(http::verb::get, "/metrics");
  ASSERT_EQ(metrics.result_int(), 200);
  EXPECT_NE(metrics.body().find("hookd_admin_connections_evicted_total "), std::string::npos);
  EXPECT_EQ(metrics.body().find("hookd_admin_connections_evicted_total 0"), std::string::npos);
  // The oldest anonymous connection made room: it was closed.
  EXPECT_TRUE(closed_by_server(anonymous.front()->wait_for_close()));
}

TEST(AdminHardening, AnonymousConnectionsNeverPushOutAnAuthorizedOne) {
  auto c = admin_config("admin-anonymous-authorized");
  c.limits.admin_max_connections = 2;
  auto g = start_gateway(std::move(c));
  ASSERT_NE(g, nullptr);
  const std::string list =
      "GET /admin/plugins HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer test-token\r\n\r\n";
  TcpConnection operator_conn(g->admin_port());
  ASSERT_FALSE(operator_conn.connect());
  ASSERT_FALSE(operator_conn.write(list));
  auto first = operator_conn.read_response();
  ASSERT_TRUE(first.has_value()) << first.error().message();
  ASSERT_EQ(first->result_int(), 200);

  std::vector<std::unique_ptr<TcpConnection>> anonymous;
  for (int i = 0; i < 5; ++i) {
    anonymous.push_back(std::make_unique<TcpConnection>(g->admin_port()));
    ASSERT_FALSE(anonymous.back()->connect());
  }
  // The authorized connection kept its slot: it is still served.
  ASSERT_FALSE(operator_conn.write(list));
  auto again = operator_conn.read_response();
  ASSERT_TRUE(again.has_value()) << again.error().message();
  EXPECT_EQ(again->result_int(), 200);
  // And a new authorized one takes the anonymous one's slot.
  EXPECT_EQ(AdminClient(g->admin_port(), "test-token").list().result_int(), 200);
}

TEST(AdminHardening, MetricsAndThePluginListAreOnTheAdminListenerBehindTheToken) {
  auto g = start_gateway(admin_config("admin-metrics"));
  ASSERT_NE(g, nullptr);
  AdminClient admin(g->admin_port(), "test-token");
  auto metrics = admin.send(http::verb::get, "/metrics");
  EXPECT_EQ(metrics.result_int(), 200);
  EXPECT_NE(metrics.body().find("hookd_connections_total"), std::string::npos);
  auto plugins = admin.send(http::verb::get, "/plugins");
  ASSERT_EQ(plugins.result_int(), 200);
  EXPECT_EQ(json::parse(plugins.body()).at("plugins").as_array().at(0).at("name").as_string(), "echo");

  HttpClient anonymous(g->admin_port());
  EXPECT_EQ(anonymous.get("/metrics").result_int(), 401);
  EXPECT_EQ(anonymous.get("/plugins").result_int(), 401);

  HttpClient visitor(g->port());
  EXPECT_EQ(visitor.get("/metrics").result_int(), 404);
  EXPECT_EQ(visitor.get("/plugins").result_int(), 404);
  EXPECT_EQ(visitor.post("/metrics", "").result_int(), 404);
}

TEST(AdminHardening, PublicSwitchesServeMetricsAndThePluginListOnThePublicPort) {
  auto c = admin_config("public-switches");
  c.server.public_metrics = true;
  c.server.public_plugin_list = true;
  auto g = start_gateway(std::move(c));
  ASSERT_NE(g, nullptr);
  HttpClient visitor(g->port());
  EXPECT_EQ(visitor.get("/metrics").result_int(), 200);
  EXPECT_EQ(visitor.get("/plugins").result_int(), 200);
}

}  // namespace
}  // namespace hookd::test
