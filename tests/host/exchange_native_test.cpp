// A hookd-ABI plugin built with the C PDK (tests/plugins/exchange.c) as an
// HTTP handler: it reads the request the embedder attached to the call and
// shapes the response, through the real built-in host functions; the sink
// refuses whatever could break or split the response.
#include <gtest/gtest.h>

#include <cstring>

#include "exchange_support.hpp"
#include "hookd/hookd.hpp"
#include "hookd/host/plugin_services.hpp"
#include "test_plugins.hpp"

namespace hookd {
namespace {

using test::Exchange;

struct LogLine {
  engine::LogLevel level;
  std::string message;
};

class ExchangeNative : public ::testing::Test {
 protected:
  void SetUp() override {
    config::PluginSettings settings;
    settings.grants.crypto = true;
    plugin_ = load(settings);
    ASSERT_TRUE(plugin_) << plugin_.error().describe();
  }

  Result<Plugin> load(const config::PluginSettings& settings) {
    PluginOptions options;
    options.name = "exchange";
    host::HostServices services;
    services.log = [this](engine::LogLevel level, std::string_view, const CallContext&, std::string_view m) {
      logs_.push_back({level, std::string(m)});
    };
    options.host_functions = host::builtin_host_functions("exchange", settings, services);
    return Plugin::load_file(test::plugin_path("exchange"), std::move(options));
  }

  // The output, or the error described.
  std::string call(std::string_view fn, std::string_view input) {
    auto out = plugin_->call(fn, test::bytes(input), ex_.context());
    return out ? test::text(*out) : "<" + out.error().describe() + ">";
  }

  Exchange ex_;
  Result<Plugin> plugin_ = std::unexpected(engine::Error{});
  std::vector<LogLine> logs_;
};

std::string length_prefixed(std::string_view a, std::string_view b) {
  std::string s(4, '\0');
  const auto n = static_cast<uint32_t>(a.size());
  std::memcpy(s.data(), &n, 4);
  return s.append(a).append(b);
}

using test::openssl_hmac;

TEST_F(ExchangeNative, ReadsTheRequestAndAnswersARedirectWithTwoCookies) {
  ex_.method = "POST";
  ex_.target = "/users/42/a%20b?x=1&q=hello+w%6Frld&q=second";
  ex_.header_text = {{"Host", "example.test"}, {"X-Token", "first"}, {"x-token", "second"}};
  ex_.route_text = {{"id", "42"}};
  EXPECT_EQ(call("redirect", ""),
            "POST token=first,second third=none q=hello world id=42 path=/users/42/a b");
  EXPECT_EQ(ex_.response.status(), 302);
  const auto h = ex_.response.headers();
  ASSERT_EQ(h.size(), 4u);
  EXPECT_EQ(h[0].name, "Set-Cookie");
  EXPECT_EQ(h[0].value, "a=1; Path=/");
  EXPECT_EQ(h[1].name, "Set-Cookie");
  EXPECT_EQ(h[1].value, "b=2; HttpOnly");
  EXPECT_EQ(h[2].name, "Location");
  EXPECT_EQ(h[2].value, "/users/42");
  EXPECT_EQ(h[3].name, "Content-Type");
}

TEST_F(ExchangeNative, AllHeadersArriveInOrderWithRepeatsKept) {
  ex_.header_text = {{"Accept", "*/*"}, {"Cookie", "a=1"}, {"cookie", "b=2"}};
  EXPECT_EQ(call("headers", ""), "Accept: */*\nCookie: a=1\ncookie: b=2\n");
  // An empty response: the embedder's defaults apply.
  EXPECT_TRUE(ex_.response.empty());
}

TEST_F(ExchangeNative, TenThousandRequestHeadersAreWalkedNotRefused) {
  for (int i = 0; i < 10000; ++i) ex_.header_text.emplace_back("X-Many", std::to_string(i));
  ex_.header_text.emplace_back("X-Token", "last");
  ex_.route_text = {{"id", "1"}};
  EXPECT_EQ(call("redirect", ""), "GET token=last, third=none q=(none) id=1 path=/");
  EXPECT_EQ(call("header_count", ""), "10001");
}

TEST_F(ExchangeNative, StatusOutside100To599IsAnErrorAndLeavesTheStatusUnset) {
  for (const char* bad : {"99", "600", "0", "-1", "70000"}) {
    const std::string out = call("status", bad);
    EXPECT_NE(out.find("outside 100-599"), std::string::npos) << bad << ": " << out;
    EXPECT_EQ(ex_.response.status(), 0) << bad;
  }
  EXPECT_EQ(call("status", "100"), "ok");
  EXPECT_EQ(ex_.response.status(), 100);
  EXPECT_EQ(call("status", "599"), "ok");
  EXPECT_EQ(ex_.response.status(), 599);
}

TEST_F(ExchangeNative, HeaderValuesWithCrLfOrNulAreRefusedSoTheResponseCannotSplit) {
  for (std::string input : {std::string("X-A\nv\r\nSet-Cookie: evil=1"), std::string("X-A\nv\rw"),
                            std::string("X-A\nv\nw"), std::string("X-A\nv\0w", 7)}) {
    const std::string out = call("add_header", input);
    EXPECT_NE(out.find("CR, LF and NUL are not allowed"), std::string::npos) << out;
    EXPECT_TRUE(ex_.response.headers().empty());
  }
  for (std::string name : {"Bad Name", "", "X:Y", "X\r\nY", "caf\xc3\xa9"}) {
    const std::string out = call("add_header", name + "\nv");
    EXPECT_NE(out.find("not a token"), std::string::npos) << name << ": " << out;
  }
  EXPECT_TRUE(ex_.response.headers().empty());
  // Tab and obs-text are allowed in a value.
  EXPECT_EQ(call("add_header", "X-Ok\na\tb \xff"), "ok");
}

TEST_F(ExchangeNative, FramingAndHopByHopHeadersAreRefusedWithAPluginLogLine) {
  for (const char* name : {"Content-Length", "transfer-encoding", "CONNECTION", "Upgrade", "Keep-Alive", "TE",
                           "Trailer", "Proxy-Connection"}) {
    const std::string out = call("add_header", std::string(name) + "\n1");
    EXPECT_NE(out.find("is set by the server"), std::string::npos) << name << ": " << out;
  }
  EXPECT_TRUE(ex_.response.headers().empty());
  ASSERT_EQ(logs_.size(), 8u);
  EXPECT_EQ(logs_[0].level, engine::LogLevel::kWarn);
  EXPECT_NE(logs_[0].message.find("response refused: response header Content-Length"), std::string::npos)
      << logs_[0].message;
}

TEST_F(ExchangeNative, AtMostAHundredResponseHeaders) {
  const std::string out = call("add_many", "10000");
  EXPECT_EQ(out.substr(0, 4), "100 ") << out;
  EXPECT_NE(out.find("at most 100 headers"), std::string::npos) << out;
  EXPECT_EQ(ex_.response.headers().size(), 100u);
}

TEST_F(ExchangeNative, ResponseHeadersAreBoundedInBytes) {
  EXPECT_NE(call("add_header", "X-Big\n" + std::string(70000, 'a')).find("would pass 65536 bytes"),
            std::string::npos);
  EXPECT_TRUE(ex_.response.headers().empty());
  // Names and values count together, across headers.
  const std::string out = call("add_twice", "X-Big\n" + std::string(40000, 'a'));
  EXPECT_NE(out.find("would pass 65536 bytes"), std::string::npos) << out;
  EXPECT_EQ(ex_.response.headers().size(), 1u);
}

TEST_F(ExchangeNative, ACallWithoutARequestSaysSo) {
  auto out = plugin_->call("no_request", {}, CallContext{"r"});
  ASSERT_TRUE(out);
  EXPECT_EQ(test::text(*out), "error: hookd.request.method: this call has no HTTP request");
}

TEST_F(ExchangeNative, AnOutOfBoundsGuestPointerTrapsAndTheInstanceIsReplaced) {
  auto out = plugin_->call("oob", {}, ex_.context());
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().kind, ErrorKind::kTrap) << out.error().describe();
  EXPECT_TRUE(ex_.response.empty());
  EXPECT_EQ(call("ok", ""), "ok");
  EXPECT_EQ(plugin_->replacements(), 1u);
}

// hookd_request_header reads through the direct form: the value goes
// straight into the plugin's buffer, cut to its size, with the full length.
TEST_F(ExchangeNative, AHeaderValueIsCutToTheBufferAndItsFullLengthReported) {
  ex_.header_text = {{"X-Long", "abcdefgh"}, {"X-Short", "ab"}, {"X-Empty", ""}};
  EXPECT_EQ(call("header_cut", "x-long"), "found=1 len=8 head=abcd");
  EXPECT_EQ(call("header_cut", "X-SHORT"), "found=1 len=2 head=ab");
  EXPECT_EQ(call("header_cut", "X-Empty"), "found=1 len=0 head=");
  EXPECT_EQ(call("header_cut", "X-Absent"), "found=0 len=0 head=");
}

// The engine indexes a call's headers once; the next call on the same
// (reused) request view reads the next request's headers.
TEST_F(ExchangeNative, EachCallReadsItsOwnRequestsHeaders) {
  ex_.header_text = {{"X-Long", "first"}};
  EXPECT_EQ(call("header_cut", "X-Long"), "found=1 len=5 head=firs");
  ex_.header_text = {{"X-Other", "x"}, {"x-long", "second!"}};
  EXPECT_EQ(call("header_cut", "X-Long"), "found=1 len=7 head=seco");
  ex_.header_text = {};
  EXPECT_EQ(call("header_cut", "X-Long"), "found=0 len=0 head=");
}

// A host without the direct forms (an older hookd, an embedder's own
// functions) answers 2 for them; the PDK then encodes the call as before.
TEST(ExchangeNativeFallback, ThePdkFallsBackToHostCallWithoutTheDirectForms) {
  PluginOptions options;
  options.host_functions = host::builtin_host_functions("exchange", {}, {});
  int stripped = 0;
  for (auto& fn : options.host_functions) {
    if (fn.name == host::kRequestHeader || fn.name == host::kResponseHeader) {
      fn.direct = nullptr;
      ++stripped;
    }
  }
  ASSERT_EQ(stripped, 2);
  auto plugin = Plugin::load_file(test::plugin_path("exchange"), std::move(options));
  ASSERT_TRUE(plugin) << plugin.error().describe();
  Exchange ex;
  ex.header_text = {{"X-Token", "first"}, {"x-token", "second"}};
  ex.route_text = {{"id", "9"}};
  auto out = plugin->call("redirect", {}, ex.context());
  ASSERT_TRUE(out) << out.error().describe();
  EXPECT_EQ(test::text(*out), "GET token=first,second third=none q=(none) id=9 path=/");
  ASSERT_EQ(ex.response.headers().size(), 4u);
  EXPECT_EQ(ex.response.headers()[2].value, "/users/9");
  auto cut = plugin->call("header_cut", test::bytes("X-TOKEN"), ex.context());
  ASSERT_TRUE(cut) << cut.error().describe();
  EXPECT_EQ(test::text(*cut), "found=1 len=5 head=firs");
  auto direct = plugin->call("direct_too_many", {}, ex.context());
  ASSERT_TRUE(direct) << direct.error().describe();
  EXPECT_EQ(test::text(*direct), "error: ");  // HOOKD_HOST_NOT_FOUND: no message pending
}

TEST_F(ExchangeNative, DirectHeaderCallsTrapOnEveryPointerOutsideMemory) {
  for (const char* which : {"table", "name", "buffer", "response_table", "value"}) {
    auto out = plugin_->call("direct_oob", test::bytes(which), ex_.context());
    ASSERT_FALSE(out) << which << ": " << test::text(*out);
    EXPECT_EQ(out.error().kind, ErrorKind::kTrap) << which << ": " << out.error().describe();
    EXPECT_NE(out.error().message.find("out of bounds"), std::string::npos) << out.error().message;
    EXPECT_TRUE(ex_.response.empty()) << which;
  }
  EXPECT_EQ(call("ok", ""), "ok");
}

TEST_F(ExchangeNative, DirectHeaderCallsTakeAtMostAHundredDescriptors) {
  EXPECT_EQ(call("direct_too_many", ""), "error: hookd.request.header: at most 100 descriptors per call");
}

// Descriptors are added in order; the first refused ends the call and the
// ones before it stay, as after that many single calls.
TEST_F(ExchangeNative, DirectResponseHeadersStopAtTheFirstRefused) {
  EXPECT_EQ(call("add_pair", "X-Second"), "ok");
  ASSERT_EQ(ex_.response.headers().size(), 2u);
  EXPECT_EQ(ex_.response.headers()[1].name, "X-Second");
  const std::string out = call("add_pair", "Connection");
  EXPECT_NE(out.find("is set by the server"), std::string::npos) << out;
  ASSERT_EQ(ex_.response.headers().size(), 1u);
  EXPECT_EQ(ex_.response.headers()[0].name, "X-First");
}

TEST_F(ExchangeNative, Sha256AndHmacMatchKnownAnswers) {
  EXPECT_EQ(call("sha256", "abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(call("sha256", ""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // RFC 4231, test case 2.
  EXPECT_EQ(call("hmac", length_prefixed("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_F(ExchangeNative, HmacTakesEmptyAndHugeKeys) {
  EXPECT_EQ(call("hmac", length_prefixed("", "message")), openssl_hmac("", "message"));
  EXPECT_EQ(call("hmac", length_prefixed("", "")), openssl_hmac("", ""));
  const std::string huge(4u << 20, 'k');  // far past SHA-256's 64-byte block: hashed first
  EXPECT_EQ(call("hmac", length_prefixed(huge, "message")), openssl_hmac(huge, "message"));
}

TEST_F(ExchangeNative, ConstantTimeEqualComparesBytesAndLengths) {
  EXPECT_EQ(call("equal", length_prefixed("abc", "abc")), "1");
  EXPECT_EQ(call("equal", length_prefixed("abc", "abd")), "0");
  EXPECT_EQ(call("equal", length_prefixed("abc", "ab")), "0");
  EXPECT_EQ(call("equal", length_prefixed("", "")), "1");
}

TEST_F(ExchangeNative, CryptoNeedsItsGrant) {
  plugin_ = load({});
  ASSERT_TRUE(plugin_);
  EXPECT_EQ(call("sha256", "abc"), "error: crypto is not granted to plugin exchange");
  EXPECT_EQ(call("equal", length_prefixed("a", "a")), "error: crypto is not granted to plugin exchange");
  // The request and response need no grant: they are the call's own.
  EXPECT_EQ(call("status", "204"), "ok");
}

// The C++ PDK's layer over the same functions (tests/plugins/exchange_cpp.cpp).
TEST(ExchangeCpp, ReadsTheRequestSetsTheResponseAndVerifiesASignature) {
  config::PluginSettings settings;
  settings.grants.crypto = true;
  PluginOptions options;
  options.host_functions = host::builtin_host_functions("exchange_cpp", settings, {});
  auto plugin = Plugin::load_file(test::plugin_path("exchange_cpp"), std::move(options));
  ASSERT_TRUE(plugin) << plugin.error().describe();
  Exchange ex;
  ex.target = "/users/7?q=" + std::string(300, 'z');  // longer than the PDK's first buffer
  ex.header_text = {{"X-Token", "first"}, {"x-token", "second"}, {"Accept", "*/*"}};
  ex.route_text = {{"id", "7"}};
  auto out = plugin->call("redirect", {}, ex.context());
  ASSERT_TRUE(out) << out.error().describe();
  EXPECT_EQ(test::text(*out), "GET token=first,second q=" + std::string(300, 'z') + " id=7 headers=3");
  EXPECT_EQ(ex.response.status(), 302);
  ASSERT_EQ(ex.response.headers().size(), 3u);
  EXPECT_EQ(ex.response.headers()[2].value, "/users/7");

  const std::string body = R"({"event":"push"})";
  const std::string good = openssl_hmac("secret", body);
  std::string bad = good;
  bad[0] = bad[0] == '0' ? '1' : '0';
  auto valid = plugin->call("verify", test::bytes(good + "\n" + body), ex.context());
  ASSERT_TRUE(valid) << valid.error().describe();
  EXPECT_EQ(test::text(*valid), "valid");
  auto invalid = plugin->call("verify", test::bytes(bad + "\n" + body), ex.context());
  ASSERT_TRUE(invalid) << invalid.error().describe();
  EXPECT_EQ(test::text(*invalid), "invalid");
}

}  // namespace
}  // namespace hookd
