// examples/handlers/hello (C PDK) and examples/assemblyscript/extism/hello
// (Extism AS PDK) as the gateway runs them: the same answers from both.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "handler_harness.hpp"

namespace hookd {
namespace {

using test::Answer;
using test::Exchange;

class Hello : public ::testing::TestWithParam<const char*> {
 protected:
  Answer get(std::string target) {
    Exchange ex;
    ex.target = std::move(target);
    return hello_.call("hello", ex);
  }

  // No grants: the request is the plugin's own input.
  test::Handler hello_{"hello", GetParam(), config::PluginSettings{}, nullptr};
};

TEST_P(Hello, ANameIsGreetedAsJsonWithTheXHelloHeader) {
  const Answer a = get("/api/hello?name=Ada");
  ASSERT_FALSE(a.error) << a.error->describe();
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.body, R"({"hello":"Ada"})");
  EXPECT_EQ(a.header("Content-Type"), "application/json");
  EXPECT_EQ(a.header("X-Hello"), "1");
  EXPECT_EQ(a.count("X-Hello"), 1u);
}

TEST_P(Hello, TheNameIsDecodedThenJsonEscaped) {
  // "q" \ / <newline> <tab> <0x01> <DEL>, +, é and an emoji, percent-encoded.
  const Answer a = get("/api/hello?x=1&name=%22q%22+%5C+%2F%0A%09%01%7F%2B%C3%A9%F0%9F%98%80&name=second");
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(a.body, R"({"hello":"\"q\" \\ /\n\t\u0001\u007f+é😀"})");
  // And a JSON parser reads the name back exactly.
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(a.body, ec);
  ASSERT_FALSE(ec) << a.body;
  EXPECT_EQ(v.at("hello").as_string(), "\"q\" \\ /\n\t\x01\x7f+é😀");
}

TEST_P(Hello, AQuoteCannotEndTheStringEarly) {
  const Answer a = get(R"(/api/hello?name=%22,%22admin%22:true,%22x%22:%22)");
  EXPECT_EQ(a.body, R"({"hello":"\",\"admin\":true,\"x\":\""})");
  const boost::json::value v = boost::json::parse(a.body);
  EXPECT_EQ(v.as_object().size(), 1u);
}

TEST_P(Hello, AMissingOrEmptyNameIs400WithAJsonError) {
  for (const char* target :
       {"/api/hello", "/api/hello?", "/api/hello?name=", "/api/hello?names=x", "/api/hello?Name=x"}) {
    const Answer a = get(target);
    ASSERT_FALSE(a.error) << target << ": " << a.error->describe();
    EXPECT_EQ(a.status, 400) << target;
    EXPECT_EQ(a.header("Content-Type"), "application/json") << target;
    EXPECT_EQ(a.body, R"({"error":"query parameter name is required"})") << target;
    EXPECT_EQ(a.header("X-Hello"), "") << target;
  }
}

TEST_P(Hello, ANameOfMoreThan256BytesIs400) {
  EXPECT_EQ(get("/api/hello?name=" + std::string(256, 'a')).status, 200);
  const Answer a = get("/api/hello?name=" + std::string(257, 'a'));
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(a.body, R"({"error":"name is longer than 256 bytes"})");
}

INSTANTIATE_TEST_SUITE_P(Pdks, Hello, ::testing::Values("hello", "as_extism_hello"));

TEST(HelloC, ANameThatIsNotUtf8Is400) {
  test::Handler hello("hello", "hello", config::PluginSettings{}, nullptr);
  for (const char* bad : {"%FF", "%C3", "%C0%80", "%ED%A0%80", "a%80b"}) {
    Exchange ex;
    ex.target = std::string("/api/hello?name=") + bad;
    const Answer a = hello.call("hello", ex);
    EXPECT_EQ(a.status, 400) << bad;
    EXPECT_EQ(a.body, R"({"error":"name is not UTF-8"})") << bad;
  }
}

}  // namespace
}  // namespace hookd
