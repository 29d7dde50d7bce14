// Server-side request forgery: an allowlisted URL must still not reach
// loopback, private or metadata addresses unless the policy names the address.
#include <gtest/gtest.h>

#include "fetch_test_server.hpp"
#include "fetch_test_support.hpp"
#include "hookd/host/fetch.hpp"
#include "hookd/host/plugin_services.hpp"

namespace hookd::host::test {
namespace {

using Code = FetchError::Code;

TestServer::Handler ok() {
  return [](const SeenRequest&) { return TestReply{.body = "ok"}; };
}

TEST(FetchSsrf, LoopbackLiteralIsRefusedWithoutTheExplicitAddress) {
  TestServer server(ok());
  auto fetcher = make_http_fetcher(test_options());
  auto result = fetcher->fetch(get(server.url("/")), loopback_policy_without_address(server.port()));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, Code::kBlockedAddress) << result.error().message;
  EXPECT_NE(result.error().message.find("loopback"), std::string::npos) << result.error().message;
  EXPECT_EQ(server.accepted(), 0);
}

TEST(FetchSsrf, AllowlistedNameResolvingToLoopbackIsRefusedUnlessTheAddressIsAllowed) {
  TestServer server(ok());
  auto fetcher = make_http_fetcher(test_options());
  const auto url = server.url("/", "localhost");
  auto refused = fetcher->fetch(get(url), loopback_policy_without_address(server.port()));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Code::kBlockedAddress) << refused.error().message;
  EXPECT_EQ(server.accepted(), 0);

  auto allowed = fetcher->fetch(get(url), loopback_policy(server.port()));
  ASSERT_TRUE(allowed) << allowed.error().message;
  EXPECT_EQ(allowed->body, "ok");
}

TEST(FetchSsrf, MetadataAddressLiteralIsRefused) {
  auto fetcher = make_http_fetcher(test_options());
  const FetchPolicy policy{.allow = {pattern("http://169.254.169.254"), pattern("http://[fd00:ec2::254]")}};
  for (const char* url : {"http://169.254.169.254/latest/meta-data/", "http://[fd00:ec2::254]/latest/"}) {
    auto result = fetcher->fetch(get(url), policy);
    ASSERT_FALSE(result) << url;
    EXPECT_EQ(result.error().code, Code::kBlockedAddress) << url;
    EXPECT_NE(result.error().message.find("cloud metadata"), std::string::npos) << result.error().message;
  }
}

TEST(FetchSsrf, AllowlistedNameResolvingToTheMetadataServiceIsRefused) {
  FetchOptions options = test_options();
  options.resolver =
      [](const std::string& host) -> std::expected<std::vector<config::IpAddress>, std::string> {
    if (host == "metadata.test") return std::vector{ip("169.254.169.254")};
    return std::unexpected("no such host");
  };
  auto fetcher = make_http_fetcher(options);
  auto result = fetcher->fetch(get("http://metadata.test/computeMetadata/v1/"),
                               FetchPolicy{.allow = {pattern("http://metadata.test")}});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, Code::kBlockedAddress) << result.error().message;
}

TEST(FetchSsrf, NameWithAnyBlockedAddressConnectsOnlyToTheAllowedOnes) {
  TestServer server(ok());
  FetchOptions options = test_options();
  // 10.0.0.1 first: if it were tried, the connect would time out.
  options.resolver = [](const std::string&) -> std::expected<std::vector<config::IpAddress>, std::string> {
    return std::vector{ip("10.0.0.1"), ip("169.254.169.254"), ip("127.0.0.1")};
  };
  auto fetcher = make_http_fetcher(options);
  FetchPolicy policy = loopback_policy(server.port());
  policy.allow.push_back(pattern("http://mixed.test:" + std::to_string(server.port())));
  auto result = fetcher->fetch(get("http://mixed.test:" + std::to_string(server.port()) + "/"), policy);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(server.requests().at(0).header("Host"),
            std::vector<std::string>{"mixed.test:" + std::to_string(server.port())});
}

TEST(FetchSsrf, Ipv4MappedIpv6LoopbackIsRefused) {
  TestServer server(ok());
  auto fetcher = make_http_fetcher(test_options());
  const auto port = std::to_string(server.port());
  for (const std::string host : {"[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[::127.0.0.1]", "[::1]"}) {
    const FetchPolicy policy{.allow = {pattern("http://" + host + ":" + port)}};
    auto result = fetcher->fetch(get("http://" + host + ":" + port + "/"), policy);
    ASSERT_FALSE(result) << host;
    EXPECT_EQ(result.error().code, Code::kBlockedAddress) << host << ": " << result.error().message;
  }
  EXPECT_EQ(server.accepted(), 0);
}

// A grant with an IP-literal entry (the loopback test server) and a name
// entry on another port: the literal's exemption is for its own scheme,
// address and port, so the name, resolving to loopback, stays refused.
TEST(FetchSsrf, ALiteralEntrysExemptionDoesNotCoverTheGrantsOtherEntries) {
  TestServer server(ok());
  TestServer other(ok());
  const std::string literal = "http://127.0.0.1:" + std::to_string(server.port());
  const std::string name = "http://localhost:" + std::to_string(other.port());
  config::PluginGrants grants;
  grants.fetch = {pattern(literal), pattern(name)};
  const FetchPolicy policy = fetch_policy(grants);
  auto fetcher = make_http_fetcher(test_options());

  auto own = fetcher->fetch(get(literal + "/"), policy);
  ASSERT_TRUE(own) << own.error().message;
  EXPECT_EQ(own->body, "ok");

  auto by_name = fetcher->fetch(get(name + "/"), policy);
  ASSERT_FALSE(by_name);
  EXPECT_EQ(by_name.error().code, Code::kBlockedAddress) << by_name.error().message;
  EXPECT_EQ(other.accepted(), 0);
}

TEST(FetchSsrf, Nat64LocalUseAddressesAreRefused) {
  FetchOptions options = test_options();
  options.resolver = [](const std::string&) -> std::expected<std::vector<config::IpAddress>, std::string> {
    return std::vector{ip("64:ff9b:1::a9fe:a9fe")};
  };
  auto fetcher = make_http_fetcher(options);
  auto by_name =
      fetcher->fetch(get("http://nat64.test/"), FetchPolicy{.allow = {pattern("http://nat64.test")}});
  ASSERT_FALSE(by_name);
  EXPECT_EQ(by_name.error().code, Code::kBlockedAddress) << by_name.error().message;
  EXPECT_NE(by_name.error().message.find("NAT64 local-use"), std::string::npos) << by_name.error().message;
  auto literal = fetcher->fetch(get("http://[64:ff9b:1::a00:1]/"),
                                FetchPolicy{.allow = {pattern("http://[64:ff9b:1::a00:1]")}});
  ASSERT_FALSE(literal);
  EXPECT_EQ(literal.error().code, Code::kBlockedAddress) << literal.error().message;
}

TEST(FetchSsrf, UnresolvableNameIsADnsError) {
  FetchOptions options = test_options();
  options.resolver = [](const std::string&) -> std::expected<std::vector<config::IpAddress>, std::string> {
    return std::unexpected("Name or service not known");
  };
  auto fetcher = make_http_fetcher(options);
  auto result =
      fetcher->fetch(get("http://nowhere.test/"), FetchPolicy{.allow = {pattern("http://nowhere.test")}});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, Code::kDns);
}

}  // namespace
}  // namespace hookd::host::test
