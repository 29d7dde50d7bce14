// The admin routes the dashboard uses, against a real gateway on port 0 with
// a real client: /ui/ files and their headers (and the public listener
// refusing them), /admin/timeseries, /admin/logs, /admin/call, and the
// plugin JSON's recent figures. Every route needs the token; bad input is a
// clear 4xx.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

#include "admin_client.hpp"
#include "gateway_fixture.hpp"
#include "http_client.hpp"
#include "observability/event_log.hpp"

namespace hookd::test {
namespace {

namespace json = boost::json;
using server::EventLog;

class Dashboard : public ::testing::Test {
 protected:
  void SetUp() override {
    data_dir_ = fresh_dir("dashboard");
    auto c = test_config(data_dir_);
    c.server.load_example_plugins = false;
    c.plugins.push_back(plugin_entry("echo", "echo"));
    auto misc = plugin_entry("misc", "misc");
    misc.settings.grants.log_level = config::LogLevel::trace;
    misc.settings.grants.log_rate_per_sec = 1000;
    c.plugins.push_back(misc);
    c.plugins.push_back(plugin_entry("greet", "greet"));  // msgpack in and out
    gateway_ = start_gateway(std::move(c));
    ASSERT_NE(gateway_, nullptr);
  }
  void TearDown() override {
    gateway_.reset();
    std::filesystem::remove_all(data_dir_);
  }

  AdminClient admin() { return AdminClient(gateway_->admin_port(), "test-token"); }
  Response anonymous(http::verb method, const std::string& target, std::string body = {}) {
    HttpClient c(gateway_->admin_port());
    return c.send({method, target, std::move(body), {}});
  }
  json::value get_json(const std::string& target) {
    auto r = admin().send(http::verb::get, target);
    EXPECT_EQ(r.result_int(), 200) << target << ": " << r.body();
    return json::parse(r.body());
  }
  static std::string error_of(const Response& r) {
    return std::string(json::parse(r.body()).at("error").as_string());
  }

  std::filesystem::path data_dir_;
  std::unique_ptr<server::Gateway> gateway_;
};

// ---- /ui/ -------------------------------------------------------------------

TEST_F(Dashboard, UiIsServedWithoutATokenWithStrictHeaders) {
  auto r = anonymous(http::verb::get, "/ui/");
  ASSERT_EQ(r.result_int(), 200);
  EXPECT_EQ(r[http::field::content_type], "text/html; charset=utf-8");
  EXPECT_NE(r.body().find("<title>hookd dashboard</title>"), std::string::npos);
  EXPECT_EQ(
      r["Content-Security-Policy"],
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
      "frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
  EXPECT_EQ(r["X-Content-Type-Options"], "nosniff");
  EXPECT_EQ(r["Referrer-Policy"], "no-referrer");
  EXPECT_EQ(r[http::field::cache_control], "no-cache");
  EXPECT_FALSE(r[http::field::etag].empty());
  // No inline script or style anywhere in the page (the CSP would block it).
  EXPECT_EQ(r.body().find("<script>"), std::string::npos);
  EXPECT_EQ(r.body().find("style="), std::string::npos);
  EXPECT_EQ(r.body().find("<style"), std::string::npos);
}

TEST_F(Dashboard, UiFilesHaveTheirContentTypesAndRevalidateByEtag) {
  auto js = anonymous(http::verb::get, "/ui/app.js");
  ASSERT_EQ(js.result_int(), 200);
  EXPECT_EQ(js[http::field::content_type], "text/javascript; charset=utf-8");
  auto css = anonymous(http::verb::get, "/ui/style.css");
  EXPECT_EQ(css[http::field::content_type], "text/css; charset=utf-8");
  auto uplot = anonymous(http::verb::get, "/ui/uplot.min.js");
  ASSERT_EQ(uplot.result_int(), 200);
  EXPECT_NE(uplot.body().find("uPlot"), std::string::npos);

  HttpClient c(gateway_->admin_port());
  auto again =
      c.send({http::verb::get, "/ui/app.js", "", {{"If-None-Match", std::string(js[http::field::etag])}}});
  EXPECT_EQ(again.result_int(), 304);
  EXPECT_TRUE(again.body().empty());
}

TEST_F(Dashboard, UiRedirectsUnknownFilesAre404AndOnlyGetAndHeadAreAllowed) {
  auto r = anonymous(http::verb::get, "/ui");
  EXPECT_EQ(r.result_int(), 301);
  EXPECT_EQ(r[http::field::location], "/ui/");
  EXPECT_EQ(anonymous(http::verb::get, "/ui/nope.js").result_int(), 404);
  EXPECT_EQ(anonymous(http::verb::get, "/ui/../admin/plugins").result_int(), 404);
  auto post = admin().send(http::verb::post, "/ui/app.js", "x");
  EXPECT_EQ(post.result_int(), 405);
  EXPECT_EQ(post[http::field::allow], "GET, HEAD");
}

TEST_F(Dashboard, AnonymousUiRequestsMayNotCarryABody) {
  auto r = anonymous(http::verb::get, "/ui/", std::string(1000, 'x'));
  EXPECT_EQ(r.result_int(), 413);
}

TEST_F(Dashboard, PublicListenerDoesNotServeTheUi) {
  HttpClient c(gateway_->port());
  EXPECT_EQ(c.get("/ui/").result_int(), 404);
  EXPECT_EQ(c.get("/ui/app.js").result_int(), 404);
}

// ---- auth -----------------------------------------------------------------------

TEST_F(Dashboard, DataRoutesNeedTheToken) {
  for (const char* target : {"/admin/timeseries", "/admin/timeseries?plugin=echo", "/admin/logs"}) {
    EXPECT_EQ(anonymous(http::verb::get, target).result_int(), 401) << target;
  }
  EXPECT_EQ(anonymous(http::verb::post, "/admin/call/echo/echo", "hi").result_int(), 401);
  HttpClient c(gateway_->admin_port());
  auto wrong = c.send({http::verb::get, "/admin/logs", "", {{"Authorization", "Bearer nope"}}});
  EXPECT_EQ(wrong.result_int(), 401);
}

// ---- /admin/call (Try it) -------------------------------------------------------

TEST_F(Dashboard, TryItCallsAFunctionAndReportsStatusHeadersBodyAndDuration) {
  auto r = admin().send(http::verb::post, "/admin/call/echo/echo", "hello dashboard",
                        {{"Content-Type", "text/plain"}});
  ASSERT_EQ(r.result_int(), 200) << r.body();
  auto j = json::parse(r.body());
  EXPECT_EQ(j.at("status").as_int64(), 200);
  EXPECT_EQ(j.at("body").as_string(), "hello dashboard");
  EXPECT_EQ(j.at("body_encoding").as_string(), "utf-8");
  EXPECT_GE(j.at("duration_ms").as_double(), 0.0);
  EXPECT_FALSE(j.at("request_id").as_string().empty());
  EXPECT_TRUE(j.at("headers").as_object().contains("content-type"));
  EXPECT_TRUE(j.at("error_kind").is_null());

  // It counts like a public call.
  auto listed = admin().listed("echo");
  EXPECT_EQ(listed.at("calls").to_number<uint64_t>(), 1u);
}

TEST_F(Dashboard, TryItReportsAPluginErrorAsTheCallsStatus) {
  auto r = admin().send(http::verb::post, "/admin/call/misc/big", "not a number");
  ASSERT_EQ(r.result_int(), 200);
  auto j = json::parse(r.body());
  EXPECT_EQ(j.at("status").as_int64(), 400);
  EXPECT_EQ(j.at("error_kind").as_string(), "plugin_error");

  auto unknown = json::parse(admin().send(http::verb::post, "/admin/call/nope/echo", "x").body());
  EXPECT_EQ(unknown.at("status").as_int64(), 404);
  auto no_fn = json::parse(admin().send(http::verb::post, "/admin/call/echo/nope", "x").body());
  EXPECT_EQ(no_fn.at("status").as_int64(), 404);
}

TEST_F(Dashboard, TryItTranscodesLikeThePublicRoute) {
  const std::string in = R"({"name":"Ada"})";
  for (const std::map<std::string, std::string>& headers :
       {std::map<std::string, std::string>{{"Content-Type", "application/json"}},
        std::map<std::string, std::string>{{"Content-Type", "application/json"},
                                           {"Accept", "application/json"}}}) {
    auto r = admin().send(http::verb::post, "/admin/call/greet/greet", in, headers);
    ASSERT_EQ(r.result_int(), 200) << r.body();
    auto j = json::parse(r.body());
    EXPECT_EQ(j.at("status").as_int64(), 200) << r.body();
    EXPECT_EQ(j.at("body_encoding").as_string(), "utf-8") << r.body();
    EXPECT_EQ(json::parse(j.at("body").as_string()), json::parse(R"({"message":"Hello, Ada!"})")) << r.body();
    EXPECT_EQ(j.at("headers").at("content-type").as_string(), "application/json");

    HttpClient pub(gateway_->port());
    auto direct = pub.post("/plugins/greet/greet", in, headers);
    EXPECT_EQ(json::parse(direct.body()), json::parse(j.at("body").as_string()));
  }
  // Asking for msgpack still gets msgpack (binary: base64).
  auto r = admin().send(http::verb::post, "/admin/call/greet/greet", in,
                        {{"Content-Type", "application/json"}, {"Accept", "application/msgpack"}});
  EXPECT_EQ(json::parse(r.body()).at("body_encoding").as_string(), "base64") << r.body();
}

TEST_F(Dashboard, EachPluginsRevisionCountsItsOwnLoads) {
  for (const char* name : {"echo", "misc", "greet"}) {
    EXPECT_EQ(admin().listed(name).at("revision").to_number<uint64_t>(), 1u) << name;
  }
  ASSERT_EQ(admin().put("fresh", plugin_bytes("echo")).result_int(), 201);
  ASSERT_EQ(admin().put("fresh", plugin_bytes("echo")).result_int(), 200);
  EXPECT_EQ(admin().listed("fresh").at("revision").to_number<uint64_t>(), 2u);
  EXPECT_EQ(admin().listed("echo").at("revision").to_number<uint64_t>(), 1u);
}

TEST_F(Dashboard, TryItEncodesBinaryOutputAsBase64) {
  auto r = admin().send(http::verb::post, "/admin/call/echo/echo", std::string("\xff\xfe\x00\x01", 4));
  auto j = json::parse(r.body());
  EXPECT_EQ(j.at("body_encoding").as_string(), "base64");
  EXPECT_EQ(j.at("body").as_string(), "//4AAQ==");
}

TEST_F(Dashboard, TryItRefusesBadTargetsAndOversizedBodies) {
  auto bad_name = admin().send(http::verb::post, "/admin/call/bad.name/echo", "x");
  EXPECT_EQ(bad_name.result_int(), 400);
  auto no_fn = admin().send(http::verb::post, "/admin/call/echo", "x");
  EXPECT_EQ(no_fn.result_int(), 400);
  EXPECT_EQ(admin().send(http::verb::post, "/admin/call/echo/a/b", "x").result_int(), 400);
  auto get = admin().send(http::verb::get, "/admin/call/echo/echo");
  EXPECT_EQ(get.result_int(), 405);
  auto big = admin().send(http::verb::post, "/admin/call/echo/echo", std::string(1'048'577, 'x'));
  EXPECT_EQ(big.result_int(), 413);
  EXPECT_NE(error_of(big).find("max_body_bytes"), std::string::npos);
}

// ---- /admin/timeseries ------------------------------------------------------------

TEST_F(Dashboard, TimeSeriesCountsEveryCallOnceAcrossWorkers) {
  HttpClient pub(gateway_->port());
  for (int i = 0; i < 25; ++i) ASSERT_EQ(pub.post("/plugins/echo/echo", "x").result_int(), 200);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(pub.post("/plugins/misc/big", "bad").result_int(), 400);
  admin().send(http::verb::post, "/admin/call/echo/echo", "from try-it");

  auto all = get_json("/admin/timeseries");
  EXPECT_EQ(all.at("window_seconds").as_int64(), 900);
  uint64_t echo = 0, misc_errors = 0;
  for (const auto& s : all.at("series").as_array()) {
    if (s.at("plugin") == "echo" && s.at("fn") == "echo") echo = s.at("requests").to_number<uint64_t>();
    if (s.at("plugin") == "misc" && s.at("fn") == "big") misc_errors = s.at("errors").to_number<uint64_t>();
  }
  EXPECT_EQ(echo, 26u);
  EXPECT_EQ(misc_errors, 3u);

  auto one = get_json("/admin/timeseries?plugin=echo&fn=echo&seconds=900");
  const auto& t = one.at("t").as_array();
  const auto& requests = one.at("requests").as_array();
  ASSERT_EQ(t.size(), 900u);
  ASSERT_EQ(requests.size(), 900u);
  EXPECT_EQ(one.at("p50_ms").as_array().size(), 900u);
  EXPECT_EQ(t.back().as_int64(), one.at("now").as_int64());
  uint64_t sum = 0;
  for (const auto& v : requests) sum += v.to_number<uint64_t>();
  EXPECT_EQ(sum, 26u);
  EXPECT_EQ(one.at("total").at("requests").to_number<uint64_t>(), 26u);
  EXPECT_TRUE(one.at("total").at("p50_ms").is_double());
  EXPECT_GE(one.at("total").at("p99_ms").as_double(), one.at("total").at("p50_ms").as_double());

  // The plugin JSON carries the same recent figures for the table.
  auto listed = admin().listed("echo");
  EXPECT_EQ(listed.at("recent").at("requests").to_number<uint64_t>(), 26u);
}

TEST_F(Dashboard, TimeSeriesOfAPluginWithoutCallsIsAllZeros) {
  auto s = get_json("/admin/timeseries?plugin=misc&seconds=60");
  ASSERT_EQ(s.at("requests").as_array().size(), 60u);
  EXPECT_EQ(s.at("total").at("requests").to_number<uint64_t>(), 0u);
  EXPECT_TRUE(s.at("total").at("p50_ms").is_null());
  EXPECT_TRUE(s.at("p99_ms").as_array().front().is_null());
}

TEST_F(Dashboard, TimeSeriesRefusesBadParameters) {
  for (const char* target :
       {"/admin/timeseries?seconds=0", "/admin/timeseries?seconds=901", "/admin/timeseries?seconds=abc",
        "/admin/timeseries?plugin=bad.name", "/admin/timeseries?fn=echo", "/admin/timeseries?colour=red",
        "/admin/timeseries?plugin=%zz"}) {
    auto r = admin().send(http::verb::get, target);
    EXPECT_EQ(r.result_int(), 400) << target;
    EXPECT_FALSE(error_of(r).empty());
  }
  EXPECT_EQ(admin().send(http::verb::post, "/admin/timeseries").result_int(), 405);
}

// ---- /admin/logs ------------------------------------------------------------------

TEST_F(Dashboard, LogsShowPluginLinesAndCallErrorsWithRequestIds) {
  HttpClient pub(gateway_->port());
  ASSERT_EQ(pub.post("/plugins/misc/log", "note-1", {{"X-Request-Id", "req-log-1"}}).result_int(), 200);
  ASSERT_EQ(pub.post("/plugins/misc/big", "bad", {{"X-Request-Id", "req-err-1"}}).result_int(), 400);

  auto all = get_json("/admin/logs");
  const auto& events = all.at("events").as_array();
  bool saw_log = false, saw_error = false;
  for (const auto& e : events) {
    if (e.at("kind") == "log" && e.at("request_id") == "req-log-1") {
      saw_log = true;
      EXPECT_EQ(e.at("plugin").as_string(), "misc");
      EXPECT_NE(e.at("message").as_string().find("note-1"), std::string::npos);
    }
    if (e.at("kind") == "error" && e.at("request_id") == "req-err-1") {
      saw_error = true;
      EXPECT_EQ(e.at("status").as_int64(), 400);
      EXPECT_EQ(e.at("fn").as_string(), "big");
      EXPECT_EQ(e.at("level").as_string(), "warn");
    }
  }
  EXPECT_TRUE(saw_log);
  EXPECT_TRUE(saw_error);

  // misc.log logs once per level: "error and above" keeps one line of it.
  auto errors_only = get_json("/admin/logs?level=error&kind=log&plugin=misc");
  ASSERT_EQ(errors_only.at("events").as_array().size(), 1u);
  EXPECT_EQ(errors_only.at("events").as_array()[0].at("level").as_string(), "error");

  const uint64_t last = all.at("last_seq").to_number<uint64_t>();
  auto newer = get_json("/admin/logs?after=" + std::to_string(last));
  EXPECT_TRUE(newer.at("events").as_array().empty());
  EXPECT_EQ(get_json("/admin/logs?limit=1").at("events").as_array().size(), 1u);
}

TEST_F(Dashboard, AFloodOfClientErrorsDoesNotPushPluginEventsOut) {
  HttpClient pub(gateway_->port());
  ASSERT_EQ(pub.post("/plugins/misc/log", "kept-1", {{"X-Request-Id", "req-kept-1"}}).result_int(), 200);
  // Twice the main ring's capacity of anonymous 404s.
  for (size_t i = 0; i < 2 * EventLog::kCapacity; ++i) {
    ASSERT_EQ(pub.post("/plugins/misc/no-such-fn", "x").result_int(), 404);
  }
  auto all = get_json("/admin/logs");
  size_t kept = 0, not_found = 0;
  for (const auto& e : all.at("events").as_array()) {
    if (e.at("request_id") == "req-kept-1") ++kept;
    if (e.at("kind") == "error" && e.at("status").as_int64() == 404) ++not_found;
  }
  EXPECT_EQ(kept, 5u);                                   // misc.log logs once per level
  EXPECT_EQ(not_found, EventLog::kClientErrorCapacity);  // the newest of them, in their own ring
}

TEST_F(Dashboard, LogsRefuseBadParameters) {
  for (const char* target :
       {"/admin/logs?level=loud", "/admin/logs?kind=other", "/admin/logs?limit=0", "/admin/logs?limit=501",
        "/admin/logs?after=-1", "/admin/logs?plugin=a/b", "/admin/logs?since=1"}) {
    auto r = admin().send(http::verb::get, target);
    EXPECT_EQ(r.result_int(), 400) << target;
  }
}

}  // namespace
}  // namespace hookd::test
