#include <gtest/gtest.h>

#include <fstream>

#include "plan.hpp"  // private to hookd_load; tested directly
#include "run_helpers.hpp"

namespace hookd::load {
namespace {

using test::options;
using test::parse;

TEST(Options, DefaultsToTenSecondsClosedLoopGet) {
  const auto o = options({"http://127.0.0.1:8080/x?y=1"});
  EXPECT_EQ(o.protocol, Protocol::http);
  EXPECT_EQ(o.host, "127.0.0.1");
  EXPECT_EQ(o.port, 8080);
  ASSERT_EQ(o.kinds.size(), 1u);
  EXPECT_EQ(o.kinds[0].method, "GET");
  EXPECT_EQ(o.kinds[0].target, "/x?y=1");
  EXPECT_EQ(o.duration, std::chrono::seconds(10));
  EXPECT_EQ(o.rate, 0);
}

TEST(Options, BadArgumentsAreUsageErrorsWithExitCode2) {
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {},
           {"http://127.0.0.1:1/", "--bogus"},
           {"https://127.0.0.1/"},
           {"not a url"},
           {"http://127.0.0.1:1/", "-c", "0"},
           {"http://127.0.0.1:1/", "-c", "1", "-t", "2"},
           {"http://127.0.0.1:1/", "--pipeline", "1000"},
           {"http://127.0.0.1:1/", "-d", "10 parsecs"},
           {"http://127.0.0.1:1/", "-d", "48h"},
           {"http://127.0.0.1:1/", "--timeout", "0"},
           {"http://127.0.0.1:1/", "--rate", "-5"},
           {"http://127.0.0.1:1/", "-H", "no colon"},
           {"http://127.0.0.1:1/", "--body-file", "/nonexistent/file"},
           {"http://127.0.0.1:1/", "--request", "GET"},
           {"http://127.0.0.1:1/", "--request", "GET /a weight=0"},
           {"http://127.0.0.1:1/", "--request", "GET /a colour=red"},
           {"http://127.0.0.1:1/", "--request", "GET /a", "--body", "x"},
           {"ws://127.0.0.1:1/", "--request", "GET /a"},
           {"http://127.0.0.1:1/", "--ws-binary"},
       }) {
    auto parsed = parse(args);
    ASSERT_FALSE(parsed.has_value()) << testing::PrintToString(args);
    EXPECT_EQ(parsed.error().exit_code, 2);
    EXPECT_FALSE(parsed.error().message.empty());
  }
}

TEST(Options, HelpExitsZero) {
  auto parsed = parse({"--help"});
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().exit_code, 0);
  EXPECT_NE(parsed.error().message.find("--rate"), std::string::npos);
}

TEST(Options, RequestSpecsCarryMethodPathHeadersBodyAndWeight) {
  const std::string file = testing::TempDir() + "/hookd-load-body.json";
  std::ofstream(file) << R"({"a": 1})";
  const auto o =
      options({"http://127.0.0.1:9/", "-H", "X-Global: g", "--request",
               "POST /plugins/echo/echo header=Content-Type:application/json body=@" + file + " weight=3",
               "--request", "GET /health"});
  ASSERT_EQ(o.kinds.size(), 2u);
  EXPECT_EQ(o.kinds[0].method, "POST");
  EXPECT_EQ(o.kinds[0].target, "/plugins/echo/echo");
  EXPECT_EQ(o.kinds[0].body, R"({"a": 1})");
  EXPECT_EQ(o.kinds[0].weight, 3u);
  ASSERT_EQ(o.kinds[0].headers.size(), 2u);
  EXPECT_EQ(o.kinds[0].headers[0], (std::pair<std::string, std::string>{"X-Global", "g"}));
  EXPECT_EQ(o.kinds[0].headers[1], (std::pair<std::string, std::string>{"Content-Type", "application/json"}));
  EXPECT_EQ(o.kinds[1].weight, 1u);
}

TEST(Options, DurationsTakeUnits) {
  EXPECT_EQ(parse_duration("250ms"), std::chrono::milliseconds(250));
  EXPECT_EQ(parse_duration("1.5"), std::chrono::milliseconds(1500));
  EXPECT_EQ(parse_duration("2m"), std::chrono::minutes(2));
  EXPECT_FALSE(parse_duration("-1s").has_value());
  EXPECT_FALSE(parse_duration("1d").has_value());
}

TEST(Plan, WeightedSequenceMixesKindsExactlyAndSpreadOut) {
  const auto seq = weighted_sequence({3, 1});
  ASSERT_EQ(seq.size(), 4u);
  EXPECT_EQ(std::ranges::count(seq, 0u), 3);
  EXPECT_EQ(std::ranges::count(seq, 1u), 1);
  const auto wide = weighted_sequence({5, 3, 2});
  EXPECT_EQ(std::ranges::count(wide, 0u), 5);
  EXPECT_EQ(std::ranges::count(wide, 2u), 2);
  for (std::size_t i = 1; i < wide.size(); ++i) {
    if (wide[i] == 2u) {
      EXPECT_NE(wide[i - 1], 2u);  // no runs of the light kind
    }
  }
}

TEST(Plan, SerializedRequestHasHostAndLengthFromTheBody) {
  RequestKind kind{"POST", "/p", {{"Content-Length", "999"}, {"X-A", "b"}}, "hello", 1};
  EXPECT_EQ(serialize_request(kind, "127.0.0.1:8080"),
            "POST /p HTTP/1.1\r\nX-A: b\r\nHost: 127.0.0.1:8080\r\nContent-Length: 5\r\n\r\nhello");
}

}  // namespace
}  // namespace hookd::load
