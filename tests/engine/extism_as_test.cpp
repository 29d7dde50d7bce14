// Plugins built with Extism's own AssemblyScript PDK (@extism/as-pdk,
// unchanged; examples/assemblyscript/extism, tests/plugins/as/extism) through hookd's Extism adapter: what an
// Extism user's plugin does, beside the raw-kernel corners of
// extism_test.cpp. Host services are hand-written host functions speaking
// the built-ins' payloads.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <map>

#include "hookd/hookd.hpp"
#include "test_plugins.hpp"

namespace hookd {
namespace {

using namespace std::chrono_literals;
using test::plugin_path;

const std::string kInput64 = "The quick brown fox jumps over the lazy dog; pack my box with fi";

std::string str(const Result<std::string>& r) { return r ? *r : "<error: " + r.error().describe() + ">"; }

Result<Plugin> load(std::string_view file, PluginOptions options = {}) {
  auto plugin = Plugin::load_file(plugin_path(file), std::move(options));
  EXPECT_TRUE(plugin) << file << ": " << (plugin ? "" : plugin.error().describe());
  return plugin;
}

TEST(ExtismAsPdk, EchoIsDetectedAsExtismAndAnswersItsInput) {
  auto p = load("as_extism_echo");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->module().abi(), engine::Abi::kExtism);
  ASSERT_EQ(p->functions().size(), 1u);
  EXPECT_EQ(p->functions()[0].name, "echo");
  for (const std::string& in : {kInput64, std::string("x"), std::string(), std::string(100000, 'z')}) {
    EXPECT_EQ(str(p->call_string("echo", in)), in);
  }
  EXPECT_EQ(p->replacements(), 0u);
}

TEST(ExtismAsPdk, CountVowelsAnswersJson) {
  auto p = load("as_extism_count_vowels");
  ASSERT_TRUE(p);
  EXPECT_EQ(str(p->call_string("count_vowels", kInput64)), R"({"count":15,"vowels":"aeiouAEIOU"})");
  EXPECT_EQ(str(p->call_string("count_vowels", "Hello, World!")), R"({"count":3,"vowels":"aeiouAEIOU"})");
}

// Host.outputString of @extism/as-pdk 1.0.0 allocates String.length bytes
// and writes the UTF-8, longer for non-ASCII text: Extism's own kernel lets
// the write land past the block and cuts the output; hookd refuses it and
// the error names the cause and the fix (docs/abi.md).
TEST(ExtismAsPdk, OutputStringOfNonAsciiTextFailsNamingTheCause) {
  auto p = load("as_extism_output_string");
  ASSERT_TRUE(p);
  EXPECT_EQ(str(p->call_string("echo_string", "plain ASCII")), "plain ASCII");
  for (const std::string in : {"h\xc3\xa9llo", "\xe2\x82\xac 5",
                               "caf\xc3\xa9 cr\xc3\xa8"
                               "me br\xc3\xbbl\xc3\xa9"
                               "e"}) {
    auto r = p->call_string("echo_string", in);
    ASSERT_FALSE(r) << in;
    EXPECT_EQ(r.error().kind, ErrorKind::kTrap);
    EXPECT_NE(r.error().message.find("Host.outputString of @extism/as-pdk 1.0.0"), std::string::npos)
        << r.error().message;
    EXPECT_NE(r.error().message.find("String.UTF8.encode"), std::string::npos) << r.error().message;
  }
  // The instance is still usable.
  EXPECT_EQ(str(p->call_string("echo_string", "again")), "again");
}

TEST(ExtismAsPdk, ConfigGetReadsThePluginsConfig) {
  PluginOptions o;
  o.host_functions.push_back(HostFunction{
      "hookd.config.get",
      [](const CallContext&, std::span<const uint8_t> in, std::vector<uint8_t>& out) -> Result<void> {
        const std::map<std::string, std::string> values{{"greeting", "Bonjour"}};
        auto it = values.find(test::text(in));
        out.assign(1, it == values.end() ? 0 : 1);
        if (it != values.end()) out.insert(out.end(), it->second.begin(), it->second.end());
        return {};
      }});
  auto p = load("as_extism_config", std::move(o));
  ASSERT_TRUE(p);
  EXPECT_EQ(str(p->call_string("get", "greeting")), "Bonjour");
  auto missing = p->call_string("get", "zone");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, ErrorKind::kPluginError);
  EXPECT_EQ(missing.error().message, "no config key zone");
}

TEST(ExtismAsPdk, VarsLiveAsLongAsTheInstance) {
  auto p = load("as_extism_vars");
  auto q = load("as_extism_vars");
  ASSERT_TRUE(p && q);
  EXPECT_EQ(str(p->call_string("bump", "")), "1");
  EXPECT_EQ(str(p->call_string("bump", "")), "2");
  EXPECT_EQ(str(q->call_string("bump", "")), "1");
  EXPECT_TRUE(p->call_string("forget", ""));
  EXPECT_EQ(str(p->call_string("bump", "")), "1");
  EXPECT_EQ(str(p->call_string("put", "a blob of bytes")), "15");
  EXPECT_EQ(str(p->call_string("blob", "")), "a blob of bytes");
}

TEST(ExtismAsPdk, AFailingFunctionIsAPluginErrorWithItsMessage) {
  auto p = load("as_extism_fail");
  ASSERT_TRUE(p);
  auto r = p->call_string("fail", "bad input");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kPluginError);
  EXPECT_EQ(r.error().message, "failed on purpose: bad input");
  EXPECT_EQ(str(p->call_string("ok", "")), "ok");
  EXPECT_EQ(p->replacements(), 0u);
}

struct FaultCase {
  const char* fn;
  ErrorKind kind;
  const char* message;
};

class ExtismAsFaults : public ::testing::TestWithParam<FaultCase> {};

TEST_P(ExtismAsFaults, EndTheCallAndTheNextCallIsServed) {
  const FaultCase& c = GetParam();
  PluginOptions o;
  o.limits.deadline = 200ms;
  o.limits.max_memory_pages = 64;  // 4 MiB
  auto p = load("as_extism_fail", std::move(o));
  ASSERT_TRUE(p);
  auto r = p->call_string(c.fn, "");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, c.kind) << r.error().describe();
  EXPECT_NE(r.error().message.find(c.message), std::string::npos) << r.error().message;
  EXPECT_LE(p->memory_size(), 64u * 65536);
  EXPECT_EQ(str(p->call_string("ok", "")), "ok");
  EXPECT_EQ(p->replacements(), 1u);
}

INSTANTIATE_TEST_SUITE_P(AssemblyScript, ExtismAsFaults,
                         ::testing::Values(FaultCase{"trap", ErrorKind::kTrap, "unreachable"},
                                           // The abort handler leaves its message with error_set.
                                           FaultCase{"throw_error", ErrorKind::kTrap, "thrown on purpose"},
                                           FaultCase{"hog", ErrorKind::kTrap, "unreachable"},
                                           FaultCase{"loop", ErrorKind::kTimeout, ""}),
                         [](const auto& info) { return std::string(info.param.fn); });

void put_u32(std::vector<uint8_t>& out, uint32_t v) {
  const size_t at = out.size();
  out.resize(at + 4);
  std::memcpy(out.data() + at, &v, 4);
}

TEST(ExtismAsPdk, HttpRequestReachesHookdFetch) {
  std::vector<std::string> urls;
  PluginOptions o;
  o.host_functions.push_back(HostFunction{
      "hookd.fetch",
      [&urls](const CallContext&, std::span<const uint8_t> in, std::vector<uint8_t>& out) -> Result<void> {
        // Request: str method, str url, ...; reply: u32 status, u32 n headers, body.
        uint32_t n = 0;
        std::memcpy(&n, in.data(), 4);
        uint32_t url_len = 0;
        std::memcpy(&url_len, in.data() + 4 + n, 4);
        urls.push_back(test::text(in.subspan(8 + n, url_len)));
        out.clear();
        put_u32(out, 200);
        put_u32(out, 0);
        const std::string body = "sunny";
        out.insert(out.end(), body.begin(), body.end());
        return {};
      }});
  auto p = load("as_extism_http", std::move(o));
  ASSERT_TRUE(p);
  EXPECT_EQ(str(p->call_string("fetch", "https://api.example.com/weather")), "200 sunny");
  ASSERT_EQ(urls.size(), 1u);
  EXPECT_EQ(urls[0], "https://api.example.com/weather");

  auto without = load("as_extism_http");  // no hookd.fetch lent
  ASSERT_TRUE(without);
  EXPECT_EQ(str(without->call_string("fetch", "https://api.example.com/weather")),
            "0 http_request: outbound HTTP is not available to this plugin");
}

}  // namespace
}  // namespace hookd
