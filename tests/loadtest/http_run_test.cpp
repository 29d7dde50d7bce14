// Runs against the in-process test server over real loopback sockets and
// checks both ends agree.
#include <gtest/gtest.h>

#include "hookd/load/runner.hpp"
#include "run_helpers.hpp"
#include "test_server.hpp"

namespace hookd::load {
namespace {

using test::options;
using test::TestServer;

RunResult run_ok(const Options& o) {
  auto r = run(o);
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error());
  return r ? std::move(*r) : RunResult{};
}

TEST(HttpRun, RequestsFlagSendsExactlyNAndTalliesWeightedStatuses) {
  TestServer server;
  const auto r = run_ok(options({server.url("/"), "-n", "40", "-c", "3", "--timeout", "5s", "--request",
                                 "GET /ok weight=3", "--request", "GET /busy"}));
  EXPECT_EQ(server.requests(), 40u);
  EXPECT_EQ(server.requests_to("/ok"), 30u);
  EXPECT_EQ(server.requests_to("/busy"), 10u);
  EXPECT_EQ(r.total.requests, 40u);
  EXPECT_EQ(r.total.responses, 40u);
  EXPECT_EQ(r.total.status[200], 30u);
  EXPECT_EQ(r.total.status[503], 10u);
  EXPECT_EQ(r.total.error_total(), 0u);
  EXPECT_EQ(r.total.bytes_received, server.bytes_sent());
  EXPECT_EQ(r.total.latency.count(), 40u);
  EXPECT_EQ(r.in_flight_at_end, 0u);
}

TEST(HttpRun, ExactCountHoldsWithThreadsAndPipelining) {
  TestServer server;
  const auto r = run_ok(options({server.url("/ok"), "-n", "1001", "-c", "5", "-t", "2", "--pipeline", "4"}));
  EXPECT_EQ(server.requests(), 1001u);
  EXPECT_EQ(r.total.status[200], 1001u);
  EXPECT_EQ(r.total.bytes_received, server.bytes_sent());
}

TEST(HttpRun, WarmupRequestsAreNotCounted) {
  TestServer server;
  const auto r = run_ok(options({server.url("/ok"), "-n", "50", "-c", "2", "--warmup", "200ms"}));
  EXPECT_EQ(r.total.requests, 50u);
  EXPECT_GT(server.requests(), 50u);  // the warmup ones reached the server too
}

TEST(HttpRun, DurationBoundsTheRunAndFillsTheTimeSeries) {
  TestServer server;
  const auto began = std::chrono::steady_clock::now();
  const auto r = run_ok(options({server.url("/ok"), "-d", "1500ms", "-c", "4"}));
  const auto took = std::chrono::steady_clock::now() - began;
  EXPECT_LT(took, std::chrono::seconds(5));
  EXPECT_GT(r.total.responses, 100u);
  EXPECT_EQ(r.measured, std::chrono::milliseconds(1500));
  ASSERT_EQ(r.timeline.size(), 2u);
  EXPECT_DOUBLE_EQ(r.timeline[0].length_s, 1.0);
  EXPECT_NEAR(r.timeline[1].length_s, 0.5, 1e-9);
  std::uint64_t sum = 0;
  for (const auto& s : r.timeline) sum += s.requests;
  EXPECT_EQ(sum, r.total.requests);
}

TEST(HttpRun, SlowResponsesPastTheTimeoutCountAsTimeouts) {
  TestServer server;
  const auto r = run_ok(options({server.url("/slow"), "-n", "4", "-c", "2", "--timeout", "10ms"}));
  EXPECT_EQ(r.total.requests, 4u);
  EXPECT_EQ(r.total.error_count(ErrorKind::timeout), 4u);
  EXPECT_EQ(r.total.responses, 0u);
}

TEST(HttpRun, ConnectionCloseResponsesReconnectWithoutErrors) {
  TestServer server;
  const auto r = run_ok(options({server.url("/close"), "-n", "20", "-c", "2"}));
  EXPECT_EQ(r.total.status[200], 20u);
  EXPECT_EQ(r.total.error_total(), 0u);
}

TEST(HttpRun, RefusedConnectionFailsFastWithAClearMessage) {
  std::uint16_t port = 0;
  {
    boost::asio::io_context ctx;
    boost::asio::ip::tcp::acceptor acceptor(ctx, {boost::asio::ip::make_address("127.0.0.1"), 0});
    port = acceptor.local_endpoint().port();
  }  // closed: nothing listens there now
  const auto began = std::chrono::steady_clock::now();
  auto r = run(options({"http://127.0.0.1:" + std::to_string(port) + "/", "-d", "30s"}));
  EXPECT_LT(std::chrono::steady_clock::now() - began, std::chrono::seconds(3));
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().find("cannot connect"), std::string::npos) << r.error();
  EXPECT_NE(r.error().find("refused"), std::string::npos) << r.error();
}

}  // namespace
}  // namespace hookd::load
