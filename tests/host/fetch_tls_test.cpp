// HTTPS against a local server whose certificate comes from a CA the test
// generates; trust comes only from extra_ca_file.
#include <gtest/gtest.h>

#include "fetch_test_ca.hpp"
#include "fetch_test_server.hpp"
#include "fetch_test_support.hpp"
#include "hookd/host/fetch.hpp"

namespace hookd::host::test {
namespace {

using Code = FetchError::Code;

class FetchTls : public testing::Test {
 protected:
  TestServer::Handler hello() {
    return [](const SeenRequest& r) { return TestReply{.body = "secure " + r.target}; };
  }
  FetchOptions trusting_options() {
    FetchOptions options = test_options();
    options.extra_ca_file = ca_file_;
    return options;
  }

  TestCa ca_;
  TempDir dir_;
  std::string ca_file_ = dir_.write("ca.pem", ca_.cert_pem());
  TlsIdentity localhost_ = ca_.issue({"DNS:localhost", "IP:127.0.0.1"});
};

TEST_F(FetchTls, HttpsWithTheExtraCaSucceedsByNameAndByAddress) {
  TestServer server(hello(), localhost_);
  auto fetcher = make_http_fetcher(trusting_options());
  for (const char* host : {"localhost", "127.0.0.1"}) {
    auto response = fetcher->fetch(get(server.url("/tls", host)), loopback_policy(server.port(), "https"));
    ASSERT_TRUE(response) << host << ": " << response.error().message;
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, "secure /tls");
  }
}

TEST_F(FetchTls, HttpsConnectionsAreReused) {
  TestServer server(hello(), localhost_);
  auto fetcher = make_http_fetcher(trusting_options());
  for (int i = 0; i < 5; ++i) {
    auto response =
        fetcher->fetch(get(server.url("/r", "localhost")), loopback_policy(server.port(), "https"));
    ASSERT_TRUE(response) << response.error().message;
  }
  EXPECT_EQ(server.accepted(), 1);
}

TEST_F(FetchTls, UntrustedCertificateIsATlsError) {
  TestServer server(hello(), localhost_);
  auto fetcher = make_http_fetcher(test_options());  // system CAs only
  auto response = fetcher->fetch(get(server.url("/", "localhost")), loopback_policy(server.port(), "https"));
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, Code::kTls);
  EXPECT_NE(response.error().message.find("certificate verify failed"), std::string::npos)
      << response.error().message;
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(FetchTls, CertificateForAnotherNameIsATlsError) {
  TestServer server(hello(), ca_.issue({"DNS:other.example"}));
  auto fetcher = make_http_fetcher(trusting_options());
  for (const char* host : {"localhost", "127.0.0.1"}) {
    auto response = fetcher->fetch(get(server.url("/", host)), loopback_policy(server.port(), "https"));
    ASSERT_FALSE(response) << host;
    EXPECT_EQ(response.error().code, Code::kTls) << host;
    EXPECT_NE(response.error().message.find("mismatch"), std::string::npos) << response.error().message;
  }
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(FetchTls, NameOnlyCertificateDoesNotCoverTheAddress) {
  TestServer server(hello(), ca_.issue({"DNS:localhost"}));
  auto response = make_http_fetcher(trusting_options())
                      ->fetch(get(server.url("/", "127.0.0.1")), loopback_policy(server.port(), "https"));
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, Code::kTls) << response.error().message;
}

TEST_F(FetchTls, HttpsToLoopbackIsStillRefusedWithoutTheExplicitAddress) {
  TestServer server(hello(), localhost_);
  auto response =
      make_http_fetcher(trusting_options())
          ->fetch(get(server.url("/", "localhost")), loopback_policy_without_address(server.port(), "https"));
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, Code::kBlockedAddress);
  EXPECT_EQ(server.accepted(), 0);
}

TEST_F(FetchTls, UnreadableExtraCaFileFailsAtStartup) {
  FetchOptions options = test_options();
  options.extra_ca_file = (dir_.path() / "missing.pem").string();
  EXPECT_THROW(make_http_fetcher(options), std::invalid_argument);
}

}  // namespace
}  // namespace hookd::host::test
