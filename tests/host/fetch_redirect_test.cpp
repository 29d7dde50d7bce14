// Redirects: followed up to the limit, every hop re-checked against the
// allowlist and the address rules.
#include <gtest/gtest.h>

#include "fetch_test_server.hpp"
#include "fetch_test_support.hpp"
#include "hookd/host/fetch.hpp"
#include "hookd/host/plugin_services.hpp"

namespace hookd::host::test {
namespace {

using Code = FetchError::Code;

TestReply redirect(int status, std::string location) {
  return TestReply{.status = status, .headers = {{"Location", std::move(location)}}};
}

TEST(FetchRedirect, ChainOfRelativeAndAbsoluteLocationsIsFollowed) {
  std::string base;
  TestServer server([&base](const SeenRequest& r) {
    if (r.target == "/a") return redirect(301, "/b");
    if (r.target == "/b") return redirect(302, "c?x=1");
    if (r.target == "/c?x=1") return redirect(307, base + "/d");
    return TestReply{.body = "final " + r.target};
  });
  base = server.url("", "localhost");
  auto fetcher = make_http_fetcher(test_options());
  auto response = fetcher->fetch(get(server.url("/a")), loopback_policy(server.port()));
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "final /d");
  EXPECT_EQ(response->final_url, server.url("/d", "localhost"));
  EXPECT_EQ(server.requests().size(), 4u);
}

TEST(FetchRedirect, SeeOtherTurnsPostIntoGetWithoutBody) {
  TestServer server([](const SeenRequest& r) {
    if (r.target == "/form") return redirect(303, "/done");
    return TestReply{.body = r.method + ":" + r.body};
  });
  auto response = make_http_fetcher(test_options())
                      ->fetch(FetchRequest{.method = "POST",
                                           .url = server.url("/form"),
                                           .headers = {{"Content-Type", "text/plain"}},
                                           .body = "payload"},
                              loopback_policy(server.port()));
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->body, "GET:");
  const auto second = server.requests().at(1);
  EXPECT_TRUE(second.header("Content-Type").empty());
  EXPECT_TRUE(second.header("Content-Length").empty());
}

TEST(FetchRedirect, TemporaryRedirectKeepsMethodAndBody) {
  TestServer server([](const SeenRequest& r) {
    if (r.target == "/old") return redirect(307, "/new");
    return TestReply{.body = r.method + ":" + r.body};
  });
  auto response = make_http_fetcher(test_options())
                      ->fetch(FetchRequest{.method = "POST", .url = server.url("/old"), .body = "payload"},
                              loopback_policy(server.port()));
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->body, "POST:payload");
}

TEST(FetchRedirect, RedirectToAHostOutsideTheAllowlistIsNotAllowed) {
  TestServer server([](const SeenRequest&) { return redirect(302, "http://elsewhere.example/steal"); });
  auto response =
      make_http_fetcher(test_options())->fetch(get(server.url("/")), loopback_policy(server.port()));
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, Code::kNotAllowed);
  EXPECT_NE(response.error().message.find("elsewhere.example"), std::string::npos)
      << response.error().message;
}

TEST(FetchRedirect, RedirectToAnAllowlistedNameOnABlockedAddressIsRefused) {
  TestServer server([](const SeenRequest&) { return redirect(302, "http://metadata.test/latest/"); });
  FetchOptions options = test_options();
  options.resolver = [](const std::string&) -> std::expected<std::vector<config::IpAddress>, std::string> {
    return std::vector{ip("169.254.169.254")};
  };
  FetchPolicy policy = loopback_policy(server.port());
  policy.allow.push_back(pattern("http://metadata.test"));
  auto response = make_http_fetcher(options)->fetch(get(server.url("/")), policy);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, Code::kBlockedAddress) << response.error().message;
}

// The grant's literal entry may reach loopback, on its own port; a redirect
// from it to another allowlisted entry on loopback (a name, another port)
// is not covered by that exemption.
TEST(FetchRedirect, RedirectFromAnExemptLiteralToAnotherPortOnLoopbackIsRefused) {
  TestServer target([](const SeenRequest&) { return TestReply{.body = "internal"}; });
  const std::string elsewhere = "http://localhost:" + std::to_string(target.port());
  TestServer server([&](const SeenRequest&) { return redirect(302, elsewhere + "/admin"); });
  config::PluginGrants grants;
  grants.fetch = {pattern("http://127.0.0.1:" + std::to_string(server.port())), pattern(elsewhere)};
  auto response = make_http_fetcher(test_options())->fetch(get(server.url("/")), fetch_policy(grants));
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, Code::kBlockedAddress) << response.error().message;
  EXPECT_EQ(target.accepted(), 0);
  EXPECT_EQ(server.accepted(), 1);
}

TEST(FetchRedirect, RedirectToANonHttpSchemeIsABadUrl) {
  TestServer server([](const SeenRequest&) { return redirect(302, "file:///etc/passwd"); });
  auto response =
      make_http_fetcher(test_options())->fetch(get(server.url("/")), loopback_policy(server.port()));
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, Code::kBadUrl);
}

TEST(FetchRedirect, LoopIsStoppedAfterMaxRedirects) {
  TestServer server([](const SeenRequest&) { return redirect(302, "/again"); });
  FetchOptions options = test_options();
  options.max_redirects = 3;
  auto response = make_http_fetcher(options)->fetch(get(server.url("/")), loopback_policy(server.port()));
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, Code::kTooManyRedirects);
  EXPECT_EQ(server.requests().size(), 4u);  // the original request and three redirects
}

TEST(FetchRedirect, ExactlyMaxRedirectsIsFine) {
  TestServer server([](const SeenRequest& r) {
    if (r.target.size() < 4) return redirect(302, r.target + "x");
    return TestReply{.body = "done"};
  });
  FetchOptions options = test_options();
  options.max_redirects = 3;
  auto response = make_http_fetcher(options)->fetch(get(server.url("/")), loopback_policy(server.port()));
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->body, "done");
}

TEST(FetchRedirect, CredentialsAreNotCarriedToAnotherOrigin) {
  std::string other;
  TestServer server([&other](const SeenRequest& r) {
    if (r.target == "/same") return redirect(302, "/next");
    if (r.target == "/next") return redirect(302, other + "/cross");
    return TestReply{.body = "ok"};
  });
  other = server.url("", "localhost");  // same port, another host: another origin
  auto response = make_http_fetcher(test_options())
                      ->fetch(FetchRequest{.url = server.url("/same"),
                                           .headers = {{"Authorization", "Bearer t"}, {"Cookie", "s=1"}}},
                              loopback_policy(server.port()));
  ASSERT_TRUE(response) << response.error().message;
  const auto seen = server.requests();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[1].header("Authorization"), std::vector<std::string>{"Bearer t"});
  EXPECT_TRUE(seen[2].header("Authorization").empty());
  EXPECT_TRUE(seen[2].header("Cookie").empty());
}

}  // namespace
}  // namespace hookd::host::test
