// The real fetcher against a plain-HTTP server on 127.0.0.1: round trips,
// header control, limits, timeouts and connection reuse.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "fetch_test_server.hpp"
#include "fetch_test_support.hpp"
#include "hookd/host/fetch.hpp"

namespace hookd::host::test {
namespace {

using namespace std::chrono_literals;
using Code = FetchError::Code;

TestReply echo(const SeenRequest& request) {
  TestReply reply{.status = 201, .body = request.method + " " + request.target + " " + request.body};
  reply.headers = {{"X-Echo-Test", request.header("X-Test").empty() ? "" : request.header("X-Test")[0]},
                   {"Set-Cookie", "a=1"},
                   {"Set-Cookie", "b=2"}};
  return reply;
}

TEST(FetchHttp, GetRoundTripCarriesHeadersAndReturnsStatusHeadersAndBody) {
  TestServer server(echo);
  auto fetcher = make_http_fetcher(test_options());
  FetchRequest request = get(server.url("/path?q=1"));
  request.headers = {{"X-Test", "hello"}, {"Accept", "text/plain"}};
  auto response = fetcher->fetch(request, loopback_policy(server.port()));
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->status, 201);
  EXPECT_EQ(response->body, "GET /path?q=1 ");
  EXPECT_EQ(header_value(*response, "x-echo-test"), "hello");
  EXPECT_EQ(std::ranges::count(response->headers, std::pair<std::string, std::string>{"Set-Cookie", "b=2"}),
            1);
  EXPECT_EQ(response->final_url, server.url("/path?q=1"));
  const auto seen = server.requests().at(0);
  EXPECT_EQ(seen.header("Accept"), std::vector<std::string>{"text/plain"});
  EXPECT_EQ(seen.header("Host"), std::vector<std::string>{"127.0.0.1:" + std::to_string(server.port())});
}

TEST(FetchHttp, PostSendsTheBodyWithItsLength) {
  TestServer server(echo);
  auto fetcher = make_http_fetcher(test_options());
  FetchRequest request{.method = "POST", .url = server.url("/submit"), .body = std::string(100000, 'x')};
  request.headers = {{"Content-Type", "application/octet-stream"}};
  auto response = fetcher->fetch(request, loopback_policy(server.port()));
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->body, "POST /submit " + request.body);
  const auto seen = server.requests().at(0);
  EXPECT_EQ(seen.header("Content-Length"), std::vector<std::string>{"100000"});
  EXPECT_EQ(seen.header("Content-Type"), std::vector<std::string>{"application/octet-stream"});
}

TEST(FetchHttp, CallerHostContentLengthAndHopByHopHeadersAreIgnored) {
  TestServer server(echo);
  auto fetcher = make_http_fetcher(test_options());
  FetchRequest request{.method = "POST", .url = server.url("/"), .body = "abc"};
  request.headers = {{"Host", "evil.example"}, {"content-length", "999"},
                     {"Connection", "close"},  {"Transfer-Encoding", "chunked"},
                     {"Upgrade", "websocket"}, {"Keep-Alive", "timeout=1"},
                     {"TE", "trailers"},       {"X-Kept", "yes"}};
  auto response = fetcher->fetch(request, loopback_policy(server.port()));
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->body, "POST / abc");
  const auto seen = server.requests().at(0);
  EXPECT_EQ(seen.header("Host"), std::vector<std::string>{"127.0.0.1:" + std::to_string(server.port())});
  EXPECT_EQ(seen.header("Content-Length"), std::vector<std::string>{"3"});
  for (const char* name : {"Connection", "Transfer-Encoding", "Upgrade", "Keep-Alive", "TE"}) {
    EXPECT_TRUE(seen.header(name).empty()) << name;
  }
  EXPECT_EQ(seen.header("X-Kept"), std::vector<std::string>{"yes"});
}

TEST(FetchHttp, HeaderThatWouldSplitTheRequestIsRefused) {
  TestServer server(echo);
  auto fetcher = make_http_fetcher(test_options());
  FetchRequest request = get(server.url("/"));
  request.headers = {{"X-Bad", "a\r\nX-Injected: 1"}};
  auto response = fetcher->fetch(request, loopback_policy(server.port()));
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, Code::kProtocol);
  request.headers = {};
  request.method = "GET /x HTTP/1.1\r\n";
  response = fetcher->fetch(request, loopback_policy(server.port()));
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, Code::kProtocol);
  EXPECT_EQ(server.accepted(), 0);
}

TEST(FetchHttp, ResponseOverTheBodyLimitIsTooLarge) {
  TestServer server([](const SeenRequest&) { return TestReply{.body = std::string(4096, 'b')}; });
  FetchOptions options = test_options();
  options.max_response_bytes = 4095;
  auto fetcher = make_http_fetcher(options);
  auto response = fetcher->fetch(get(server.url("/")), loopback_policy(server.port()));
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, Code::kTooLarge) << response.error().message;

  options.max_response_bytes = 4096;
  auto exact = make_http_fetcher(options)->fetch(get(server.url("/")), loopback_policy(server.port()));
  ASSERT_TRUE(exact) << exact.error().message;
  EXPECT_EQ(exact->body.size(), 4096u);
}

TEST(FetchHttp, ResponseHeadersOverTheLimitAreTooLarge) {
  TestServer server([](const SeenRequest&) {
    return TestReply{.headers = {{"X-Big", std::string(8000, 'h')}}, .body = "x"};
  });
  FetchOptions options = test_options();
  options.max_response_header_bytes = 4096;
  auto response = make_http_fetcher(options)->fetch(get(server.url("/")), loopback_policy(server.port()));
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, Code::kTooLarge) << response.error().message;
}

TEST(FetchHttp, SlowServerTimesOutWithinTheTotalDeadline) {
  TestServer server([](const SeenRequest&) { return TestReply{.body = "late", .delay = 5s}; });
  FetchOptions options = test_options();
  options.total_timeout = 300ms;
  auto fetcher = make_http_fetcher(options);
  const auto start = std::chrono::steady_clock::now();
  auto response = fetcher->fetch(get(server.url("/")), loopback_policy(server.port()));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, Code::kTimeout) << response.error().message;
  EXPECT_GE(elapsed, 290ms);
  EXPECT_LT(elapsed, 300ms + 700ms);
}

TEST(FetchHttp, ConnectToAClosedPortFails) {
  std::uint16_t port = 0;
  {
    TestServer server([](const SeenRequest&) { return TestReply{}; });
    port = server.port();
  }
  auto response = make_http_fetcher(test_options())
                      ->fetch(get("http://127.0.0.1:" + std::to_string(port) + "/"), loopback_policy(port));
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, Code::kConnect) << response.error().message;
}

TEST(FetchHttp, SequentialFetchesToOneServerReuseOneConnection) {
  TestServer server(echo);
  auto fetcher = make_http_fetcher(test_options());
  for (int i = 0; i < 10; ++i) {
    auto response = fetcher->fetch(get(server.url("/n" + std::to_string(i))), loopback_policy(server.port()));
    ASSERT_TRUE(response) << response.error().message;
    EXPECT_EQ(response->body, "GET /n" + std::to_string(i) + " ");
  }
  EXPECT_EQ(server.accepted(), 1);
}

TEST(FetchHttp, ServerClosingAfterTheResponseIsNotReused) {
  TestServer server([](const SeenRequest&) {
    return TestReply{.headers = {{"Connection", "close"}}, .body = "x"};
  });
  auto fetcher = make_http_fetcher(test_options());
  for (int i = 0; i < 3; ++i) {
    auto response = fetcher->fetch(get(server.url("/")), loopback_policy(server.port()));
    ASSERT_TRUE(response) << response.error().message;
  }
  EXPECT_EQ(server.accepted(), 3);
}

// The server drops every connection's second request without answering, as
// a server that closed an idle connection just as it was reused would.
TestReply drop_second(const SeenRequest& request) {
  return TestReply{.body = "fresh", .drop = request.request_on_connection == 2};
}

TEST(FetchHttp, DeadPooledConnectionIsRetriedOnceForAnIdempotentMethod) {
  TestServer server(drop_second);
  auto fetcher = make_http_fetcher(test_options());
  ASSERT_TRUE(fetcher->fetch(get(server.url("/")), loopback_policy(server.port())));
  auto response = fetcher->fetch(get(server.url("/")), loopback_policy(server.port()));
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->body, "fresh");
  EXPECT_EQ(server.accepted(), 2);
}

TEST(FetchHttp, DeadPooledConnectionIsNotRetriedForPost) {
  TestServer server(drop_second);
  auto fetcher = make_http_fetcher(test_options());
  ASSERT_TRUE(fetcher->fetch(get(server.url("/")), loopback_policy(server.port())));
  auto response = fetcher->fetch(FetchRequest{.method = "POST", .url = server.url("/"), .body = "once"},
                                 loopback_policy(server.port()));
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, Code::kConnect) << response.error().message;
  EXPECT_EQ(server.requests().size(), 2u);  // the POST reached the server once
}

TEST(FetchHttp, ConcurrentFetchesFromManyThreadsAllSucceed) {
  TestServer server(echo);
  FetchOptions options = test_options();
  options.max_idle_per_destination = 2;
  auto fetcher = make_http_fetcher(options);
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        if (fetcher->fetch(get(server.url("/c")), loopback_policy(server.port()))) ++ok;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), 40);
  EXPECT_LE(server.accepted(), 40);
}

TEST(FetchHttp, HeadReadsNoBody) {
  TestServer server([](const SeenRequest&) { return TestReply{.body = "ignored"}; });
  auto fetcher = make_http_fetcher(test_options());
  for (int i = 0; i < 2; ++i) {
    auto response = fetcher->fetch(FetchRequest{.method = "HEAD", .url = server.url("/")},
                                   loopback_policy(server.port()));
    ASSERT_TRUE(response) << response.error().message;
    EXPECT_EQ(response->body, "");
  }
  EXPECT_EQ(server.accepted(), 1);
}

}  // namespace
}  // namespace hookd::host::test
