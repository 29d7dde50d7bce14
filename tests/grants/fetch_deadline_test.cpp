// A plugin call's deadline bounds its fetches (attack class 6, docs/security.md): the real
// fetcher, a local upstream that answers only after seconds, and the
// fetchproxy example with a short deadline.
#include <gtest/gtest.h>

#include <chrono>

#include "fetch_test_server.hpp"
#include "hookd/hookd.hpp"
#include "hookd/host/fetch.hpp"
#include "hookd/host/plugin_services.hpp"
#include "test_plugins.hpp"
#include "test_timeouts.hpp"

namespace hookd {
namespace {

using namespace std::chrono_literals;

// The fetchproxy example, granted fetches to 127.0.0.1:<port> and its
// config key "upstream" set to `url`, calling out through `fetcher`.
Result<Plugin> fetchproxy(const std::string& url, uint16_t port, host::HttpFetcher& fetcher,
                          std::chrono::milliseconds deadline) {
  config::PluginSettings s;
  s.config["upstream"] = url;
  s.grants.config = true;
  s.grants.fetch.push_back(*config::FetchPattern::parse("http://127.0.0.1:" + std::to_string(port)));
  PluginOptions options;
  options.name = "fetchproxy";
  options.limits.deadline = deadline;
  options.host_functions =
      host::builtin_host_functions("fetchproxy", s, host::HostServices{nullptr, &fetcher});
  return Plugin::load_file(test::plugin_path("fetchproxy"), std::move(options));
}

TEST(FetchDeadline, AFetchGetsNoMoreThanTheCallsRemainingTime) {
  host::test::TestServer upstream(
      [](const host::test::SeenRequest&) { return host::test::TestReply{.body = "{}", .delay = 8s}; });
  host::FetchOptions fo;
  fo.total_timeout = 10s;  // what a fetch may take on its own
  auto fetcher = host::make_http_fetcher(fo);

  auto p = fetchproxy(upstream.url("/slow"), upstream.port(), *fetcher, 300ms);
  ASSERT_TRUE(p) << p.error().describe();

  const auto start = std::chrono::steady_clock::now();
  auto out = p->call_string("get", "");
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(out);
  // Ended by the call's deadline, not by the upstream (8 s) or the fetch
  // timeout (10 s): the host call gave up when the call's time was up.
  EXPECT_LT(took, 4s) << "the fetch outlived its call's deadline";
  EXPECT_TRUE(out.error().kind == ErrorKind::kTimeout ||
              out.error().message.find("timed out") != std::string::npos ||
              out.error().message.find("deadline") != std::string::npos)
      << out.error().describe();
  EXPECT_EQ(upstream.accepted(), 1);
}

// The same fetch without a plugin deadline in the way takes the fetcher's own
// timeout: the call's deadline narrows it, never widens it.
TEST(FetchDeadline, TheFetchTimeoutStillAppliesWithinALongerDeadline) {
  host::test::TestServer upstream(
      [](const host::test::SeenRequest&) { return host::test::TestReply{.body = "{}", .delay = 8s}; });
  host::FetchOptions fo;
  fo.total_timeout = 200ms;
  auto fetcher = host::make_http_fetcher(fo);
  auto p = fetchproxy(upstream.url("/slow"), upstream.port(), *fetcher, 10s);
  ASSERT_TRUE(p) << p.error().describe();
  auto out = p->call_string("get", "");
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().kind, ErrorKind::kPluginError) << out.error().describe();
  EXPECT_NE(out.error().message.find("timed out"), std::string::npos) << out.error().message;
}

// An upstream whose trailers never end: the call ends on the head budget,
// refused as too large, long before its deadline would have, with no more
// taken in than the budget and what the sockets hold.
TEST(FetchDeadline, EndlessTrailersEndTheCallOnTheHeadBudgetNotTheDeadline) {
  host::test::HostileUpstream upstream(
      {.prefix = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n",
       .repeat = "X-Trailer: yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\r\n"});
  host::FetchOptions fo;  // the production head budget (64 KiB)
  auto fetcher = host::make_http_fetcher(fo);
  auto p = fetchproxy(upstream.url("/trailers"), upstream.port(), *fetcher, 5s);
  ASSERT_TRUE(p) << p.error().describe();

  auto out = p->call_string("get", "");
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().kind, ErrorKind::kPluginError) << out.error().describe();
  EXPECT_NE(out.error().message.find("response head is over 65536 bytes"), std::string::npos)
      << out.error().message;
  const auto written = upstream.written_until_closed(test::kWaitBound);
  ASSERT_TRUE(written.has_value()) << "the fetch never closed its connection";
  EXPECT_LT(*written, (64u << 10) + host::test::HostileUpstream::socket_slack());
}

}  // namespace
}  // namespace hookd
