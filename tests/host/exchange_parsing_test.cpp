// The pieces of the exchange that need no plugin: query parsing and
// percent-decoding as the request functions apply them, and the sink's
// checks as an embedder relies on them.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "hookd/engine/http_exchange.hpp"

namespace hookd::engine {
namespace {

std::string param(std::string_view query, std::string_view name) {
  std::string out;
  return find_query_param(query, name, out) ? out : "<absent>";
}

TEST(QueryParams, FirstMatchDecodedWithPlusAsSpace) {
  EXPECT_EQ(param("a=1&q=hello+w%6Frld&q=2", "q"), "hello world");
  EXPECT_EQ(param("%71=encoded-key", "q"), "encoded-key");
  EXPECT_EQ(param("flag&x=1", "flag"), "");
  EXPECT_EQ(param("flag=&x=1", "flag"), "");
  EXPECT_EQ(param("&&q=3&", "q"), "3");
  EXPECT_EQ(param("a=1", "q"), "<absent>");
  EXPECT_EQ(param("", "q"), "<absent>");
  EXPECT_EQ(param("q=%zz&q=ok", "q"), "<absent>");  // the first q is malformed: no silent fallback
}

TEST(PercentDecode, RefusesMalformedEscapesAndEscapedNul) {
  std::string out;
  EXPECT_TRUE(percent_decode("/a%20b/%2F", false, out));
  EXPECT_EQ(out, "/a b//");
  EXPECT_TRUE(percent_decode("a+b", false, out));
  EXPECT_EQ(out, "a+b");  // '+' is a space in a query only
  EXPECT_FALSE(percent_decode("%", false, out));
  EXPECT_FALSE(percent_decode("%4", false, out));
  EXPECT_FALSE(percent_decode("%g0", false, out));
  EXPECT_FALSE(percent_decode("a%00b", false, out));
}

TEST(RequestView, PathAndQuerySplitAtTheFirstQuestionMark) {
  RequestView v;
  v.target = "/p?a=1?b";
  EXPECT_EQ(v.path(), "/p");
  EXPECT_EQ(v.query(), "a=1?b");
  v.target = "/p";
  EXPECT_EQ(v.query(), "");
}

TEST(ResponseSink, KeepsRepeatedHeadersInOrderAndResetsForTheNextCall) {
  ResponseSink sink;
  EXPECT_TRUE(sink.empty());
  ASSERT_TRUE(sink.add_header("Set-Cookie", "a=1"));
  ASSERT_TRUE(sink.add_header("set-cookie", "b=2"));
  ASSERT_TRUE(sink.set_status(302));
  ASSERT_EQ(sink.headers().size(), 2u);
  EXPECT_EQ(sink.headers()[1].value, "b=2");
  sink.reset();
  EXPECT_TRUE(sink.empty());
  EXPECT_EQ(sink.status(), 0);
}

TEST(ResponseSink, HeadersReadBackInOrderWhileTheBufferGrowsAndAfterReset) {
  ResponseSink sink;
  auto value_of = [](std::size_t i) { return std::string(100 + i * 7, static_cast<char>('a' + i % 26)); };
  const auto early = sink.headers();  // a range taken before any header: it reads the sink when used
  for (std::size_t i = 0; i < 60; ++i) {
    ASSERT_TRUE(sink.add_header("X-H" + std::to_string(i), value_of(i))) << i;
  }
  ASSERT_EQ(early.size(), 60u);
  std::size_t i = 0;
  for (const auto& h : sink.headers()) {
    EXPECT_EQ(h.name, "X-H" + std::to_string(i));
    EXPECT_EQ(h.value, value_of(i));
    ++i;
  }
  EXPECT_EQ(i, 60u);
  sink.reset();
  EXPECT_TRUE(sink.headers().empty());
  ASSERT_TRUE(sink.add_header("Vary", "Accept"));
  ASSERT_EQ(sink.headers().size(), 1u);
  EXPECT_EQ(sink.headers()[0].name, "Vary");
  EXPECT_EQ(sink.headers()[0].value, "Accept");
}

TEST(ResponseSink, HeaderBytesStopExactlyAtTheLimitAndARefusalAddsNothing) {
  ResponseSink sink;
  const std::string big(ResponseSink::kMaxHeaderBytes - 2, 'v');
  ASSERT_TRUE(sink.add_header("A", big));   // 1 + size: one byte left
  EXPECT_FALSE(sink.add_header("B", "c"));  // two bytes: refused
  ASSERT_EQ(sink.headers().size(), 1u);
  ASSERT_TRUE(sink.add_header("B", ""));  // the last byte
  EXPECT_FALSE(sink.add_header("C", ""));
  ASSERT_EQ(sink.headers().size(), 2u);
  EXPECT_EQ(sink.headers()[0].value.size(), big.size());
  EXPECT_EQ(sink.headers()[1].name, "B");
  EXPECT_EQ(sink.headers()[1].value, "");
}

TEST(ResponseSink, AValueWithAControlCharacterIsRefusedAndItsBlankEdgesAreTrimmed) {
  ResponseSink sink;
  // What a parser would refuse (a control character but tab, DEL) is refused
  // here, so the head the server writes parses.
  const std::vector<std::string> refused{
      "a\x01"
      "b",
      "a\x1f"
      "b",
      "a\x7f",
      std::string("a\0b", 3),
      "\r",
      "\n"};
  for (const std::string& bad : refused) {
    EXPECT_FALSE(sink.add_header("X-A", bad)) << static_cast<int>(static_cast<unsigned char>(bad.back()));
  }
  EXPECT_TRUE(sink.headers().empty());
  // A parser drops white space around a value, so the sink keeps what the
  // client reads; tab and obs-text inside a value are allowed.
  ASSERT_TRUE(sink.add_header("X-B", " \ta\tb \t"));
  ASSERT_TRUE(sink.add_header("X-C", "caf\xc3\xa9"));  // UTF-8 bytes are obs-text
  ASSERT_TRUE(sink.add_header("X-D", "   "));
  ASSERT_EQ(sink.headers().size(), 3u);
  EXPECT_EQ(sink.headers()[0].value, "a\tb");
  EXPECT_EQ(sink.headers()[1].value, "caf\xc3\xa9");
  EXPECT_EQ(sink.headers()[2].value, "");
}

TEST(ResponseSink, TokensAndServerOwnedNames) {
  EXPECT_TRUE(is_http_token("X-Custom_1.2~!#$%&'*+^`|"));
  EXPECT_FALSE(is_http_token("a b"));
  EXPECT_FALSE(is_http_token("a:b"));
  EXPECT_FALSE(is_http_token("a\"b"));
  EXPECT_FALSE(is_http_token(std::string("a\0b", 3)));
  for (const char* name : {"Content-Length", "TRANSFER-ENCODING", "connection", "Upgrade", "Keep-Alive", "te",
                           "Trailer", "Proxy-Connection"}) {
    EXPECT_TRUE(is_server_owned_header(name)) << name;
  }
  EXPECT_FALSE(is_server_owned_header("Content-Type"));
  EXPECT_FALSE(is_server_owned_header("Set-Cookie"));
  EXPECT_FALSE(is_server_owned_header("Tea"));
}

// Every byte against every other, at each position of names of 1 to 20
// bytes (so the word-at-a-time part and the tail both see each pair): equal
// exactly when the bytes are equal or are the same ASCII letter in two cases.
TEST(HeaderNames, CompareWithoutRegardToAsciiCaseOnly) {
  auto fold = [](unsigned char c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; };
  for (std::size_t size : {1u, 7u, 8u, 9u, 16u, 20u}) {
    for (std::size_t at : {std::size_t{0}, size / 2, size - 1}) {
      std::string a(size, 'k');
      std::string b(size, 'K');
      for (int x = 0; x < 256; ++x) {
        for (int y = 0; y < 256; ++y) {
          a[at] = static_cast<char>(x);
          b[at] = static_cast<char>(y);
          const bool want = fold(static_cast<unsigned char>(x)) == fold(static_cast<unsigned char>(y));
          ASSERT_EQ(header_name_equal(a, b), want) << size << " " << at << " " << x << " " << y;
        }
      }
    }
  }
  EXPECT_FALSE(header_name_equal("X-Bench-1", "X-Bench-10"));
  EXPECT_TRUE(header_name_equal("", ""));
  EXPECT_TRUE(header_name_equal("CONTENT-TYPE-AND-MORE", "content-type-and-more"));
}

TEST(HeaderIndex, FindsTheNthValueInOrderAnyCase) {
  const std::vector<HeaderField> fields = {
      {"Host", "a.test"}, {"X-Token", "first"}, {"x-token", "second"}, {"X-Tokens", "other"}, {"", "empty"}};
  HeaderList list(fields);
  HeaderIndex index;
  EXPECT_EQ(index.find(list, "X-TOKEN", 0), "first");
  EXPECT_EQ(index.find(list, "x-Token", 1), "second");
  EXPECT_EQ(index.find(list, "X-Token", 2), std::nullopt);
  EXPECT_EQ(index.find(list, "x-tokens", 0), "other");
  EXPECT_EQ(index.find(list, "HOST", 0), "a.test");
  EXPECT_EQ(index.find(list, "", 0), "empty");
  EXPECT_EQ(index.find(list, "Accept", 0), std::nullopt);
}

// The index belongs to one call: cleared, it walks the source again even
// when the next request's fields sit at the same address.
TEST(HeaderIndex, AClearedIndexReadsTheNextRequest) {
  std::vector<HeaderField> fields = {{"X-A", "1"}};
  HeaderList list(fields);
  HeaderIndex index;
  EXPECT_EQ(index.find(list, "x-a", 0), "1");
  fields = {{"X-B", "2"}};
  list = HeaderList(fields);
  index.clear();
  EXPECT_EQ(index.find(list, "x-a", 0), std::nullopt);
  EXPECT_EQ(index.find(list, "x-b", 0), "2");
  // Another source than last time is walked anew without a clear.
  const std::vector<HeaderField> other_fields = {{"X-C", "3"}};
  HeaderList other(other_fields);
  EXPECT_EQ(index.find(other, "X-C", 0), "3");
}

}  // namespace
}  // namespace hookd::engine
