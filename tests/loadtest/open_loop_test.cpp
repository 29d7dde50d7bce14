// Open loop corrects coordinated omission: when the server is slower than
// the rate, later requests wait for a connection, and that wait is latency.
#include <gtest/gtest.h>

#include "hookd/load/runner.hpp"
#include "run_helpers.hpp"
#include "test_server.hpp"

namespace hookd::load {
namespace {

using test::options;
using test::TestServer;

TEST(OpenLoop, SendsAtTheRequestedRate) {
  TestServer server;
  const auto began = std::chrono::steady_clock::now();
  auto r = run(options({server.url("/ok"), "--rate", "200", "-n", "60", "-c", "4", "-t", "2"}));
  const auto took = std::chrono::steady_clock::now() - began;
  ASSERT_TRUE(r.has_value()) << r.error();
  EXPECT_EQ(server.requests(), 60u);
  EXPECT_EQ(r->total.status[200], 60u);
  // 60 requests at 200/s: the last is due at 295 ms.
  EXPECT_GE(took, std::chrono::milliseconds(290));
  EXPECT_LT(took, std::chrono::seconds(3));
  EXPECT_EQ(r->unsent, 0u);
}

TEST(OpenLoop, LatencyIncludesTheBacklogWhenTheServerIsSlow) {
  TestServer server;  // /slow: 50 ms per response, one at a time per connection
  // Due every 5 ms but served every 50 ms: request i waits ~45*i ms.
  auto open = run(options({server.url("/slow"), "--rate", "200", "-n", "20", "-c", "1", "--timeout", "5s"}));
  ASSERT_TRUE(open.has_value()) << open.error();
  EXPECT_EQ(open->total.status[200], 20u);
  const auto open_p50 = open->total.latency.value_at_percentile(50);
  EXPECT_GT(open_p50, 300'000'000u) << "p50 should grow with the backlog, not stay at 50 ms";
  EXPECT_GT(open->total.latency.max(), 800'000'000u);

  // The same server in closed loop hides the queue: every request takes 50 ms.
  auto closed = run(options({server.url("/slow"), "-n", "5", "-c", "1", "--timeout", "5s"}));
  ASSERT_TRUE(closed.has_value()) << closed.error();
  const auto closed_p50 = closed->total.latency.value_at_percentile(50);
  EXPECT_GE(closed_p50, 49'000'000u);
  EXPECT_LT(closed_p50, 150'000'000u);
}

TEST(OpenLoop, DurationRunReportsRequestsTheTargetNeverGot) {
  TestServer server;
  auto r = run(options({server.url("/slow"), "--rate", "100", "-d", "500ms", "-c", "1", "--timeout", "5s"}));
  ASSERT_TRUE(r.has_value()) << r.error();
  // ~50 due, ~10 served, one in flight at the end.
  EXPECT_GT(r->unsent, 30u);
  EXPECT_LE(r->total.requests + r->unsent + r->in_flight_at_end, 51u);
  EXPECT_GE(r->total.requests + r->unsent + r->in_flight_at_end, 49u);
}

}  // namespace
}  // namespace hookd::load
