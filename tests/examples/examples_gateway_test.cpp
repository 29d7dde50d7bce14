// The example handlers end to end: a real gateway on port 0 that loads the
// examples as `hookd serve` does with no plugins configured (their routes
// and grants from server/src/composition.cpp), and a real HTTP client
// sending what the READMEs' curl commands send.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "gateway_fixture.hpp"
#include "hmac.hpp"
#include "http_client.hpp"

namespace hookd::test {
namespace {

constexpr std::string_view kSecret = "hookd-example-secret";

size_t count(const Response& r, http::field f) {
  auto [begin, end] = r.equal_range(f);
  return static_cast<size_t>(std::distance(begin, end));
}

class ExampleHandlers : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fresh_dir("examples");
    gateway_ = start_gateway(test_config(dir_));
    ASSERT_NE(gateway_, nullptr);
    client_.emplace(gateway_->port());
  }

  Response get(const std::string& target) { return client_->get(target); }
  Response post(const std::string& target, const std::string& body,
                std::map<std::string, std::string> headers = {}) {
    return client_->post(target, body, std::move(headers));
  }
  Response deliver(const std::string& body, const std::string& delivery, const std::string& signature) {
    return post("/hooks/github", body,
                {{"X-Hub-Signature-256", signature},
                 {"X-GitHub-Delivery", delivery},
                 {"X-GitHub-Event", "push"},
                 {"Content-Type", "application/json"}});
  }

  std::filesystem::path dir_;
  std::unique_ptr<server::Gateway> gateway_;
  std::optional<HttpClient> client_;
};

TEST_F(ExampleHandlers, HelloGreetsANameAsJsonWithItsOwnHeader) {
  const Response r = get("/api/hello?name=Ada");
  EXPECT_EQ(r.result_int(), 200) << r.body();
  EXPECT_EQ(r.body(), R"({"hello":"Ada"})");
  EXPECT_EQ(r[http::field::content_type], "application/json");
  EXPECT_EQ(count(r, http::field::content_type), 1u);
  EXPECT_EQ(r["X-Hello"], "1");
}

TEST_F(ExampleHandlers, HelloEscapesQuotesSoTheAnswerStaysOneJsonString) {
  const Response r = get("/api/hello?name=%22Bobby%22+Tables%5C%0A");
  ASSERT_EQ(r.result_int(), 200) << r.body();
  EXPECT_EQ(r.body(), R"({"hello":"\"Bobby\" Tables\\\n"})");
  EXPECT_EQ(boost::json::parse(r.body()).at("hello").as_string(), "\"Bobby\" Tables\\\n");
}

TEST_F(ExampleHandlers, HelloWithoutANameIs400WithAJsonError) {
  for (const char* target : {"/api/hello", "/api/hello?name="}) {
    const Response r = get(target);
    EXPECT_EQ(r.result_int(), 400) << target;
    EXPECT_EQ(r.body(), R"({"error":"query parameter name is required"})") << target;
    EXPECT_EQ(r[http::field::content_type], "application/json") << target;
    EXPECT_EQ(r.count("X-Hello"), 0u) << target;
  }
}

TEST_F(ExampleHandlers, ASignedWebhookIsAcceptedOnceThenADuplicate) {
  const std::string body = R"({"zen":"Keep it logically awesome.","hook_id":1})";
  const Response first =
      deliver(body, "72d3162e-cc78-11e3-81ab-4c9367dc0958", github_signature(kSecret, body));
  EXPECT_EQ(first.result_int(), 202) << first.body();
  EXPECT_EQ(first.body(), R"({"accepted":true,"delivery":"72d3162e-cc78-11e3-81ab-4c9367dc0958"})");
  EXPECT_EQ(first[http::field::content_type], "application/json");
  const Response again =
      deliver(body, "72d3162e-cc78-11e3-81ab-4c9367dc0958", github_signature(kSecret, body));
  EXPECT_EQ(again.result_int(), 200) << again.body();
  EXPECT_EQ(again.body(), R"({"duplicate":true,"delivery":"72d3162e-cc78-11e3-81ab-4c9367dc0958"})");
}

TEST_F(ExampleHandlers, AWebhookWithABadSignatureIs401AndWithoutADeliveryIdIs400) {
  const std::string body = R"({"zen":"x"})";
  const Response forged = deliver(body, "d-1", github_signature("not-the-secret", body));
  EXPECT_EQ(forged.result_int(), 401);
  EXPECT_EQ(forged.body(), R"({"error":"missing or invalid X-Hub-Signature-256"})");
  EXPECT_EQ(forged[http::field::content_type], "application/json");
  const Response unsigned_ = post("/hooks/github", body, {{"X-GitHub-Delivery", "d-1"}});
  EXPECT_EQ(unsigned_.result_int(), 401);
  const Response no_id =
      post("/hooks/github", body, {{"X-Hub-Signature-256", github_signature(kSecret, body)}});
  EXPECT_EQ(no_id.result_int(), 400);
  EXPECT_EQ(no_id.body(), R"({"error":"missing X-GitHub-Delivery"})");
  // The forged one stored nothing: the real delivery of that id is new.
  EXPECT_EQ(deliver(body, "d-1", github_signature(kSecret, body)).result_int(), 202);
}

TEST_F(ExampleHandlers, AShortLinkIsCreatedThenRedirects) {
  const Response created =
      post("/links", R"({"url":"https://example.com/a?b=c"})", {{"Content-Type", "application/json"}});
  ASSERT_EQ(created.result_int(), 201) << created.body();
  const std::string location(created[http::field::location]);
  ASSERT_EQ(location.substr(0, 3), "/r/");
  const std::string code = location.substr(3);
  EXPECT_EQ(code.size(), 7u);
  EXPECT_EQ(created.body(), R"({"code":")" + code + R"("})");
  EXPECT_EQ(created[http::field::content_type], "application/json");

  const Response followed = get(location);
  EXPECT_EQ(followed.result_int(), 302) << followed.body();
  EXPECT_EQ(followed[http::field::location], "https://example.com/a?b=c");
  EXPECT_EQ(count(followed, http::field::location), 1u);
}

TEST_F(ExampleHandlers, AnUnknownLinkIs404AndABadUrlOrBodyIs400) {
  const Response unknown = get("/r/nothere");
  EXPECT_EQ(unknown.result_int(), 404);
  EXPECT_EQ(unknown.body(), R"({"error":"no such link"})");
  const std::vector<std::string> bodies = {
      R"j({"url":"javascript:alert(1)"})j",
      R"({"url":"ftp://example.com/"})",
      R"({"url":"https://e.com/\r\nSet-Cookie: a=1"})",
      R"({"url":"https://example.com/)" + std::string(2100, 'a') + R"("})",
      "not json",
      R"({"url":)"};
  for (const std::string& body : bodies) {
    const Response r = post("/links", body, {{"Content-Type", "application/json"}});
    EXPECT_EQ(r.result_int(), 400) << body.substr(0, 60);
    EXPECT_EQ(r[http::field::content_type], "application/json") << body.substr(0, 60);
    EXPECT_EQ(r.count(http::field::location), 0u) << body.substr(0, 60);
    EXPECT_EQ(r.count("Set-Cookie"), 0u);
  }
}

TEST_F(ExampleHandlers, LinksAndDeliveriesOutliveARestart) {
  const std::string body = R"({"zen":"restart"})";
  const Response created = post("/links", R"({"url":"https://example.com/kept"})");
  ASSERT_EQ(created.result_int(), 201);
  const std::string location(created[http::field::location]);
  ASSERT_EQ(deliver(body, "d-kept", github_signature(kSecret, body)).result_int(), 202);

  client_.reset();
  gateway_.reset();
  gateway_ = start_gateway(test_config(dir_));
  ASSERT_NE(gateway_, nullptr);
  client_.emplace(gateway_->port());
  EXPECT_EQ(get(location)[http::field::location], "https://example.com/kept");
  EXPECT_EQ(deliver(body, "d-kept", github_signature(kSecret, body)).result_int(), 200);
}

TEST(ExampleHandlersConfigured, TheAssemblyScriptHelloAnswersOnTheRouteItsReadmeGives) {
  // examples/assemblyscript/extism/hello/README.md: as_hello on GET /as/hello.
  auto c = test_config(fresh_dir("as-hello"));
  auto p = plugin_entry("as_hello", "as_extism_hello");
  config::RouteConfig route;
  route.methods = {"GET"};
  route.path = "/as/hello";
  route.function = "hello";
  p.settings.routes = {route};
  c.plugins.push_back(p);
  auto g = start_gateway(c);
  ASSERT_NE(g, nullptr);
  HttpClient client(g->port());
  const Response r = client.get("/as/hello?name=%22Ada%22");
  EXPECT_EQ(r.result_int(), 200) << r.body();
  EXPECT_EQ(r.body(), R"({"hello":"\"Ada\""})");
  EXPECT_EQ(r[http::field::content_type], "application/json");
  EXPECT_EQ(r["X-Hello"], "1");
  const Response missing = client.get("/as/hello");
  EXPECT_EQ(missing.result_int(), 400);
  EXPECT_EQ(missing.body(), R"({"error":"query parameter name is required"})");
  // A route is for its methods only.
  EXPECT_EQ(client.post("/as/hello?name=x", "").result_int(), 405);
}

}  // namespace
}  // namespace hookd::test
