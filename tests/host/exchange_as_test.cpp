// Extism and waPC plugins (AssemblyScript, tests/plugins/as/*/exchange.ts,
// built with the Extism AS PDK and the waPC AS guest, unchanged) as HTTP
// handlers: the same request and response as a hookd-ABI plugin's, through
// extism:host/user functions and waPC host calls, and the same refusals.
#include <gtest/gtest.h>

#include "exchange_support.hpp"
#include "hookd/hookd.hpp"
#include "hookd/host/plugin_services.hpp"
#include "test_plugins.hpp"

namespace hookd {
namespace {

using test::Exchange;

using test::openssl_hmac;

class ExchangeAs : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    config::PluginSettings settings;
    settings.grants.crypto = true;
    PluginOptions options;
    options.name = "exchange";
    options.host_functions = host::builtin_host_functions("exchange", settings, {});
    for (const char* fn : {"redirect", "status", "add_header", "hmac"}) {
      options.declared_functions.push_back(FunctionInfo{fn});
    }
    plugin_ = Plugin::load_file(test::plugin_path(GetParam()), std::move(options));
    ASSERT_TRUE(plugin_) << plugin_.error().describe();
  }

  Result<std::string> call(std::string_view fn, std::string_view input) {
    auto out = plugin_->call(fn, test::bytes(input), ex_.context());
    if (!out) return std::unexpected(out.error());
    return test::text(*out);
  }

  // The output, or the error described.
  std::string str(std::string_view fn, std::string_view input) {
    auto out = call(fn, input);
    return out ? *out : "<" + out.error().describe() + ">";
  }

  Exchange ex_;
  Result<Plugin> plugin_ = std::unexpected(engine::Error{});
};

TEST_P(ExchangeAs, ReadsTheRequestAndAnswersARedirectWithTwoCookies) {
  ex_.method = "POST";
  ex_.target = "/users/42?q=hello+w%6Frld";
  ex_.header_text = {{"Host", "example.test"}, {"X-Token", "first"}, {"x-token", "second"}};
  ex_.route_text = {{"id", "42"}};
  EXPECT_EQ(str("redirect", ""), "POST token=first,second q=hello world id=42");
  EXPECT_EQ(ex_.response.status(), 302);
  const auto h = ex_.response.headers();
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[0].name, "Set-Cookie");
  EXPECT_EQ(h[0].value, "a=1; Path=/");
  EXPECT_EQ(h[1].name, "Set-Cookie");
  EXPECT_EQ(h[1].value, "b=2; HttpOnly");
  EXPECT_EQ(h[2].name, "Location");
  EXPECT_EQ(h[2].value, "/users/42");
}

TEST_P(ExchangeAs, StatusOutside100To599FailsTheCall) {
  for (const char* bad : {"99", "600", "-5"}) {
    auto out = call("status", bad);
    ASSERT_FALSE(out) << bad;
    EXPECT_NE(out.error().message.find("outside 100-599"), std::string::npos) << out.error().message;
    EXPECT_EQ(ex_.response.status(), 0);
  }
  EXPECT_EQ(str("status", "201"), "ok");
  EXPECT_EQ(ex_.response.status(), 201);
}

TEST_P(ExchangeAs, CrLfInAHeaderValueAndFramingHeadersAreRefused) {
  auto split = call("add_header", "X-A\nv\r\nSet-Cookie: evil=1");
  ASSERT_FALSE(split);
  EXPECT_NE(split.error().message.find("CR, LF and NUL are not allowed"), std::string::npos)
      << split.error().message;
  auto framing = call("add_header", "Transfer-Encoding\nchunked");
  ASSERT_FALSE(framing);
  EXPECT_NE(framing.error().message.find("is set by the server"), std::string::npos)
      << framing.error().message;
  EXPECT_TRUE(ex_.response.headers().empty());
  EXPECT_EQ(str("add_header", "Content-Type\ntext/html"), "ok");
  ASSERT_EQ(ex_.response.headers().size(), 1u);
}

TEST_P(ExchangeAs, HmacMatchesOpenSslForKnownEmptyAndHugeKeys) {
  EXPECT_EQ(str("hmac", "Jefe\nwhat do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(str("hmac", "\nmessage"), openssl_hmac("", "message"));
  const std::string huge(128u << 10, 'k');  // the AS msgpack writer builds byte by byte: kept modest
  EXPECT_EQ(str("hmac", huge + "\nmessage"), openssl_hmac(huge, "message"));
}

INSTANTIATE_TEST_SUITE_P(Abis, ExchangeAs, ::testing::Values("as_extism_exchange", "as_wapc_exchange"),
                         [](const auto& info) { return std::string(info.param).substr(3); });

// Extism plugins name blocks by handle: one that was never allocated traps
// the call (the instance is replaced), as any bad handle does.
TEST(ExchangeExtism, AHandleThatWasNeverAllocatedTraps) {
  PluginOptions options;
  options.host_functions = host::builtin_host_functions("exchange", {}, {});
  auto plugin = Plugin::load_file(test::plugin_path("as_extism_exchange"), std::move(options));
  ASSERT_TRUE(plugin) << plugin.error().describe();
  Exchange ex;
  auto out = plugin->call("bad_handle", {}, ex.context());
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().kind, ErrorKind::kTrap) << out.error().describe();
  EXPECT_NE(out.error().message.find("is not an allocated block"), std::string::npos) << out.error().message;
}

}  // namespace
}  // namespace hookd
