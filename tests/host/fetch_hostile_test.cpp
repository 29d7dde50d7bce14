// A hostile upstream against the fetch client: responses that never end
// their head, trailers or chunk-size lines, a body far over the limit, a
// drip past the deadline, interim responses. Each fetch must fail with the
// right error kind having taken in no more than its budget: the upstream
// counts what it wrote before the client closed, and that may exceed the
// budget only by what the sockets hold. The parser alone, fed bytes, shows
// its buffer staying within the budget.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "fetch/response_parser.hpp"
#include "fetch_test_server.hpp"
#include "fetch_test_support.hpp"
#include "hookd/host/fetch.hpp"
#include "test_timeouts.hpp"

namespace hookd::host::test {
namespace {

using namespace std::chrono_literals;
using Code = FetchError::Code;
using fetch::ResponseLimits;
using fetch::ResponseParser;
using State = ResponseParser::State;

constexpr std::uint32_t kHeadBudget = 64 << 10;
constexpr std::uint64_t kBodyLimit = 1 << 20;

FetchOptions hostile_options() {
  FetchOptions options = test_options();
  options.max_response_header_bytes = kHeadBudget;
  options.max_response_bytes = kBodyLimit;
  // Long enough that only the old, unbounded client ever reaches it.
  options.total_timeout = 3s;
  return options;
}

struct Outcome {
  std::expected<FetchResponse, FetchError> response;
  std::uint64_t written = 0;
};

Outcome fetch_from(HostileUpstream::Script script, FetchOptions options = hostile_options()) {
  HostileUpstream upstream(std::move(script));
  auto fetcher = make_http_fetcher(options);
  auto response = fetcher->fetch(get(upstream.url("/")), loopback_policy(upstream.port()));
  fetcher.reset();  // closes any pooled connection too
  const auto written = upstream.written_until_closed(hookd::test::kWaitBound);
  EXPECT_TRUE(written.has_value()) << "the client never closed the connection";
  return {std::move(response), written.value_or(0)};
}

void expect_too_large_within(const Outcome& outcome, std::uint64_t budget) {
  ASSERT_FALSE(outcome.response) << "status " << outcome.response->status;
  EXPECT_EQ(outcome.response.error().code, Code::kTooLarge) << outcome.response.error().message;
  EXPECT_LT(outcome.written, budget + HostileUpstream::socket_slack())
      << "the client took in " << outcome.written << " bytes";
}

TEST(FetchHostile, EndlessFourByteHeaderLinesHitTheHeadBudget) {
  auto outcome = fetch_from({.prefix = "HTTP/1.1 200 OK\r\n", .repeat = "a:\r\n"});
  expect_too_large_within(outcome, kHeadBudget);
}

TEST(FetchHostile, EndlessTrailersHitTheHeadBudget) {
  auto outcome = fetch_from({.prefix = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n",
                             .repeat = "X-Trailer: yyyyyyyy\r\n"});
  expect_too_large_within(outcome, kHeadBudget);
}

TEST(FetchHostile, EndlessChunkSizeLineHitsTheHeadBudget) {
  auto outcome =
      fetch_from({.prefix = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1", .repeat = "0000"});
  expect_too_large_within(outcome, kHeadBudget);
}

TEST(FetchHostile, EndlessChunkExtensionHitsTheHeadBudget) {
  auto outcome = fetch_from(
      {.prefix = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;ext=", .repeat = "vvvvvvvv"});
  expect_too_large_within(outcome, kHeadBudget);
}

TEST(FetchHostile, ManySmallChunksChargeTheirSizeLinesToTheHeadBudget) {
  // One byte of body per five bytes of framing: the framing runs out first.
  auto outcome =
      fetch_from({.prefix = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", .repeat = "1\r\nx\r\n"});
  expect_too_large_within(outcome, kHeadBudget);
}

TEST(FetchHostile, HugeContentLengthIsRefusedBeforeTheBody) {
  auto outcome = fetch_from({.prefix = "HTTP/1.1 200 OK\r\nContent-Length: 1000000000000\r\n\r\n",
                             .repeat = std::string(4096, 'b')});
  expect_too_large_within(outcome, kHeadBudget);
}

TEST(FetchHostile, EndlessBodyHitsTheBodyLimit) {
  auto outcome = fetch_from({.prefix = "HTTP/1.1 200 OK\r\n\r\n", .repeat = std::string(4096, 'b')});
  expect_too_large_within(outcome, kHeadBudget + kBodyLimit);
}

TEST(FetchHostile, SlowDripPastTheDeadlineTimesOut) {
  FetchOptions options = hostile_options();
  options.total_timeout = 300ms;
  auto outcome = fetch_from({.prefix = "HTTP/1.1 200 OK\r\n", .repeat = "a", .pace = 20ms}, options);
  ASSERT_FALSE(outcome.response);
  EXPECT_EQ(outcome.response.error().code, Code::kTimeout) << outcome.response.error().message;
}

TEST(FetchHostile, OneHundredContinueThenTheRealResponse) {
  auto outcome = fetch_from({.prefix = "HTTP/1.1 100 Continue\r\n\r\n"
                                       "HTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\n\r\n"
                                       "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Final: yes\r\n\r\nhello"});
  ASSERT_TRUE(outcome.response) << outcome.response.error().message;
  EXPECT_EQ(outcome.response->status, 200);
  EXPECT_EQ(outcome.response->body, "hello");
  EXPECT_EQ(header_value(*outcome.response, "x-final"), "yes");
  EXPECT_EQ(header_value(*outcome.response, "link"), "");
}

// The parser fed bytes directly: what the budget means, to the byte.

ResponseParser parser(std::uint32_t head = 1024, std::uint64_t body = 4096) {
  return ResponseParser(ResponseLimits{body, head}, false);
}

TEST(FetchResponseParser, AResponseFedOneByteAtATimeParses) {
  const std::string wire =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n\r\n"
      "3;e=1\r\nabc\r\n2\r\nde\r\n0\r\nX-T: t\r\n\r\n";
  auto p = parser();
  for (char c : wire) p.feed(std::string_view(&c, 1));
  ASSERT_EQ(p.state(), State::kDone) << (p.error() ? p.error()->message : "");
  EXPECT_TRUE(p.reusable());
  EXPECT_EQ(p.head_bytes(), wire.size() - 5);  // everything but the body's five bytes
  auto response = p.take();
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "abcde");
  EXPECT_EQ(header_value(response, "x-t"), "t");
}

TEST(FetchResponseParser, TheHeadBudgetCountsAcrossFeeds) {
  auto p = parser(1024);
  p.feed("HTTP/1.1 200 OK\r\n");
  for (int i = 0; i < 1024 && p.state() == State::kNeedMore; ++i) p.feed("a:\r\n");
  ASSERT_EQ(p.state(), State::kFailed);
  EXPECT_EQ(p.error()->code, Code::kTooLarge) << p.error()->message;
}

TEST(FetchResponseParser, AnExactlyFullHeadIsAccepted) {
  const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX: " + std::string(40, 'v') + "\r\n\r\n";
  auto exact = parser(static_cast<std::uint32_t>(head.size()));
  EXPECT_EQ(exact.feed(head), State::kDone);
  auto short_by_one = parser(static_cast<std::uint32_t>(head.size() - 1));
  EXPECT_EQ(short_by_one.feed(head), State::kFailed);
}

TEST(FetchResponseParser, TheBufferStaysWithinTheBudgetWhateverIsFed) {
  for (const std::string prefix :
       {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n",
        "HTTP/1.1 200 OK\r\nX: ", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1"}) {
    auto p = parser(4096);
    p.feed(prefix);
    for (int i = 0; i < 100000 && p.state() == State::kNeedMore; ++i) {
      p.feed(std::string(100, '0'));
      ASSERT_LE(p.buffer_capacity(), 4096 + ResponseParser::kReadBytes);
    }
    ASSERT_EQ(p.state(), State::kFailed) << prefix;
    EXPECT_EQ(p.error()->code, Code::kTooLarge) << prefix;
  }
}

TEST(FetchResponseParser, TheBodyStopsAtItsLimit) {
  auto p = parser(1024, 10);
  EXPECT_EQ(p.feed("HTTP/1.1 200 OK\r\n\r\n0123456789"), State::kNeedMore);
  EXPECT_EQ(p.feed("x"), State::kFailed);
  EXPECT_EQ(p.error()->code, Code::kTooLarge);
  auto eof = parser(1024, 10);
  eof.feed("HTTP/1.1 200 OK\r\n\r\n0123456789");
  EXPECT_EQ(eof.eof(), State::kDone);
  EXPECT_FALSE(eof.reusable());
  EXPECT_EQ(eof.take().body, "0123456789");
}

TEST(FetchResponseParser, InterimResponsesAreSkippedButCharged) {
  const std::string interim = "HTTP/1.1 100 Continue\r\n\r\n";
  std::string wire;
  for (int i = 0; i < 100; ++i) wire += interim;
  auto p = parser(static_cast<std::uint32_t>(wire.size()));
  EXPECT_EQ(p.feed(wire + "HTTP/1.1 204 No Content\r\n\r\n"), State::kFailed);
  EXPECT_EQ(p.error()->code, Code::kTooLarge);

  auto ok = parser();
  EXPECT_EQ(ok.feed(interim + "HTTP/1.1 204 No Content\r\n\r\n"), State::kDone);
  EXPECT_EQ(ok.take().status, 204);
}

TEST(FetchResponseParser, SwitchingProtocolsIsFinalAndNotReusable) {
  auto p = parser();
  EXPECT_EQ(p.feed("HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: upgrade\r\n\r\n"),
            State::kDone);
  EXPECT_FALSE(p.reusable());
  EXPECT_EQ(p.take().status, 101);
}

TEST(FetchResponseParser, AStatusBelow100IsAProtocolError) {
  auto p = parser();
  EXPECT_EQ(p.feed("HTTP/1.1 050 Odd\r\nContent-Length: 0\r\n\r\n"), State::kFailed);
  EXPECT_EQ(p.error()->code, Code::kProtocol);
}

TEST(FetchResponseParser, BytesAfterTheResponseMakeItUnreusable) {
  auto p = parser();
  EXPECT_EQ(p.feed("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxHTTP/1.1"), State::kDone);
  EXPECT_FALSE(p.reusable());
}

}  // namespace
}  // namespace hookd::host::test
