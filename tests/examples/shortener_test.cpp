// examples/handlers/shortener as the gateway runs it: links stored in KV
// under random base62 codes, followed with a 302, and every URL that could
// not be a safe Location refused with a 400.
#include <gtest/gtest.h>

#include <set>

#include "handler_harness.hpp"
#include "hookd/host/memory_kv_store.hpp"

namespace hookd {
namespace {

using test::Answer;
using test::Exchange;

std::string json_url(std::string_view url) { return R"({"url":")" + std::string(url) + R"("})"; }

bool base62_code(std::string_view code) {
  if (code.size() != 7) return false;
  for (char c : code) {
    if (!std::isalnum(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

class Shortener : public ::testing::Test {
 protected:
  Answer create(std::string_view body) {
    Exchange ex;
    ex.method = "POST";
    ex.target = "/links";
    ex.header_text = {{"Content-Type", "application/json"}};
    return links_.call("create", ex, body);
  }
  Answer follow(std::string code) {
    Exchange ex;
    ex.target = "/r/" + code;
    ex.route_text = {{"code", std::move(code)}};
    return links_.call("follow", ex);
  }
  // The code of a new link to `url`.
  std::string shorten(std::string_view url) {
    const Answer a = create(json_url(url));
    EXPECT_EQ(a.status, 201) << url << ": " << a.body;
    const std::string location = a.header("Location");
    EXPECT_EQ(location.substr(0, 3), "/r/") << location;
    return location.size() > 3 ? location.substr(3) : std::string{};
  }

  host::MemoryKvStore kv_;
  test::Handler links_{"shortener", "shortener", test::shortener_settings(), &kv_};
};

TEST_F(Shortener, ANewLinkIs201WithItsLocationAndCodeAndFollowingItIs302ToTheUrl) {
  const Answer a = create(R"({"url":"https://example.com/a/b?c=d#e"})");
  ASSERT_FALSE(a.error) << a.error->describe();
  EXPECT_EQ(a.status, 201);
  const std::string code = a.header("Location").substr(3);
  EXPECT_TRUE(base62_code(code)) << code;
  EXPECT_EQ(a.header("Location"), "/r/" + code);
  EXPECT_EQ(a.header("Content-Type"), "application/json");
  EXPECT_EQ(a.body, R"({"code":")" + code + R"("})");

  const Answer r = follow(code);
  ASSERT_FALSE(r.error) << r.error->describe();
  EXPECT_EQ(r.status, 302);
  EXPECT_EQ(r.header("Location"), "https://example.com/a/b?c=d#e");
  EXPECT_EQ(r.count("Location"), 1u);
}

TEST_F(Shortener, AnUnknownCodeIs404) {
  for (const char* code : {"0000000", "zzzzzzz", "short", "toolong00", "", "abc\"def", "../../x"}) {
    const Answer r = follow(code);
    EXPECT_EQ(r.status, 404) << code;
    EXPECT_EQ(r.body, R"({"error":"no such link"})") << code;
    EXPECT_EQ(r.header("Location"), "") << code;
  }
}

TEST_F(Shortener, UrlsThatAreNotHttpOrHttpsAre400) {
  for (const char* url :
       {"javascript:alert(1)", "ftp://example.com/", "data:text/html,hi", "//example.com/x", "/relative",
        "example.com", "", "https://", "http:///path", "https:?x", "file:///etc/passwd"}) {
    const Answer a = create(json_url(url));
    EXPECT_EQ(a.status, 400) << url;
    EXPECT_EQ(a.header("Content-Type"), "application/json") << url;
    EXPECT_EQ(a.header("Location"), "") << url;
  }
  // The scheme is case-insensitive.
  EXPECT_EQ(create(json_url("HTTPS://example.com/")).status, 201);
}

TEST_F(Shortener, UrlsWithControlCharactersSpacesOrNonAsciiAre400) {
  // JSON escapes decode to the bytes that would split or garble a Location.
  for (const char* url : {R"(https://e.com/\r\nSet-Cookie: a=1)", R"(https://e.com/\u0000)",
                          R"(https://e.com/\n)", R"(https://e.com/\t)", R"(https://e.com/\u007f)",
                          "https://e.com/a b", R"(https://e.com/\u00e9)", "https://e.com/\xc3\xa9"}) {
    const Answer a = create(json_url(url));
    EXPECT_EQ(a.status, 400) << url;
    EXPECT_EQ(a.header("Location"), "") << url;
  }
}

TEST_F(Shortener, AUrlOfUpTo2048BytesIsStoredAndALongerOneIs400) {
  const std::string prefix = "https://example.com/";
  const std::string longest = prefix + std::string(2048 - prefix.size(), 'a');
  const std::string code = shorten(longest);
  EXPECT_EQ(follow(code).header("Location"), longest);
  const Answer a = create(json_url(longest + "a"));
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(a.body, R"({"error":"url is longer than 2048 bytes"})");
  EXPECT_EQ(create(json_url(prefix + std::string(100000, 'a'))).status, 400);
}

TEST_F(Shortener, ABodyThatIsNotAJsonObjectWithAUrlIs400) {
  for (const char* body :
       {"", "https://example.com", "{", "{}", R"({"url":})", R"({"url":"https://e.com")",
        R"({"url":"https://e.com"} x)", R"(["https://e.com"])", R"({"url":42})",
        R"({"url":"https://e.com","url":"https://f.com"})", R"({"link":"https://e.com"})",
        R"({"url":"https://e.com",})", R"({"url":"https://e.com\x"})", R"({"url":"\ud800"})",
        "{\"url\":\"https://e.com/\x01\"}", R"({'url':'https://e.com'})"}) {
    const Answer a = create(body);
    EXPECT_EQ(a.status, 400) << body;
    EXPECT_EQ(a.header("Content-Type"), "application/json") << body;
  }
}

TEST_F(Shortener, JsonEscapesAndOtherMembersAreUnderstood) {
  const std::string code =
      shorten(R"(https:\/\/example.com\/\u0061?q=\"x\")");  // decodes to https://example.com/a?q="x"
  const Answer r = follow(code);
  EXPECT_EQ(r.header("Location"), R"(https://example.com/a?q="x")");
  EXPECT_EQ(r.body, R"({"url":"https://example.com/a?q=\"x\""})");
  const Answer a = create(R"(  { "note" : "mine", "n": -1.5e3, "ok": true, "x": null,
                              "url": "http://example.com/" }  )");
  EXPECT_EQ(a.status, 201) << a.body;
}

TEST_F(Shortener, CodesAreDistinctAndEachFollowsToItsOwnUrl) {
  std::map<std::string, std::string> links;
  for (int i = 0; i < 200; ++i) {
    const std::string url = "https://example.com/" + std::to_string(i);
    const std::string code = shorten(url);
    ASSERT_TRUE(base62_code(code)) << code;
    ASSERT_TRUE(links.emplace(code, url).second) << "code handed out twice: " << code;
  }
  for (const auto& [code, url] : links) EXPECT_EQ(follow(code).header("Location"), url);
}

TEST(ShortenerCodes, ATakenCodeIsDrawnAgainNotOverwritten) {
  // Two instances with the same seeded random source draw the same codes:
  // the second's first code is the first's, already taken.
  host::MemoryKvStore kv;
  test::Handler first("shortener", "shortener", test::shortener_settings(), &kv, deterministic_random(7));
  test::Handler second("shortener", "shortener", test::shortener_settings(), &kv, deterministic_random(7));
  Exchange ex;
  ex.method = "POST";
  const Answer a = first.call("create", ex, json_url("https://first.example/"));
  const Answer b = second.call("create", ex, json_url("https://second.example/"));
  ASSERT_EQ(a.status, 201);
  ASSERT_EQ(b.status, 201);
  EXPECT_NE(a.header("Location"), b.header("Location"));
  const std::string code_a = a.header("Location").substr(3);
  auto stored = kv.get("shortener", "to:" + code_a);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(*stored, "https://first.example/");
}

}  // namespace
}  // namespace hookd
