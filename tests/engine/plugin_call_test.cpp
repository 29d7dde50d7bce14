// Calling plugins: raw bytes, typed msgpack, errors as values.
#include <gtest/gtest.h>

#include "hookd/hookd.hpp"
#include "test_plugins.hpp"

namespace hookd {
namespace {

using test::bytes;
using test::plugin_path;
using test::text;

struct GreetIn {
  std::string name;
  MSGPACK_DEFINE_MAP(name);
};
struct GreetOut {
  std::string message;
  MSGPACK_DEFINE_MAP(message);
};

TEST(PluginCall, EchoReturnsItsInputExactly) {
  auto plugin = Plugin::load_file(plugin_path("echo"));
  ASSERT_TRUE(plugin);
  std::string binary("\0\1\2\xff hello", 10);
  auto out = plugin->call("echo", bytes(binary));
  ASSERT_TRUE(out) << out.error().describe();
  EXPECT_EQ(text(*out), binary);
}

TEST(PluginCall, EchoHandlesEmptyAndGrowingInputs) {
  auto plugin = Plugin::load_file(plugin_path("echo"));
  ASSERT_TRUE(plugin);
  EXPECT_EQ(*plugin->call_string("echo", ""), "");
  for (size_t n : {1u, 100u, 5000u, 70000u, 1u << 20, 10u}) {
    std::string s(n, 'x');
    s[n / 2] = 'y';
    auto out = plugin->call_string("echo", s);
    ASSERT_TRUE(out) << n;
    EXPECT_EQ(*out, s);
  }
}

TEST(PluginCall, CountsVowels) {
  auto plugin = Plugin::load_file(plugin_path("vowels"));
  ASSERT_TRUE(plugin);
  EXPECT_EQ(*plugin->call_string("count_vowels", "Hello, World! AEIOU"), "8");
}

TEST(PluginCall, UnknownFunctionIsNotFound) {
  auto plugin = Plugin::load_file(plugin_path("echo"));
  ASSERT_TRUE(plugin);
  auto out = plugin->call_string("nope", "x");
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().kind, ErrorKind::kNotFound);
}

TEST(PluginCall, TypedCallRoundTripsMsgpackStructs) {
  auto plugin = Plugin::load_file(plugin_path("greet"));
  ASSERT_TRUE(plugin);
  auto greet = PluginFn<GreetIn, GreetOut>::bind(*plugin, "greet");
  ASSERT_TRUE(greet);
  auto out = greet->call(GreetIn{"Ada"});
  ASSERT_TRUE(out) << out.error().describe();
  EXPECT_EQ(out->message, "Hello, Ada!");
}

TEST(PluginCall, PluginErrorCarriesMessageAndStatus) {
  auto plugin = Plugin::load_file(plugin_path("greet"));
  ASSERT_TRUE(plugin);
  auto greet = PluginFn<GreetIn, GreetOut>::bind(*plugin, "greet");
  auto out = greet->call(GreetIn{""});
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().kind, ErrorKind::kPluginError);
  EXPECT_EQ(out.error().status, 400);
  EXPECT_NE(out.error().message.find("name must not be empty"), std::string::npos);
  // A plugin error is not a fault: the same instance keeps serving.
  EXPECT_TRUE(greet->call(GreetIn{"Bo"}));
  EXPECT_EQ(plugin->replacements(), 0u);
}

TEST(PluginCall, BindingAnUnknownTypedFunctionFails) {
  auto plugin = Plugin::load_file(plugin_path("greet"));
  ASSERT_TRUE(plugin);
  EXPECT_FALSE((PluginFn<GreetIn, GreetOut>::bind(*plugin, "nope")));
}

TEST(PluginCall, GarbageMsgpackInputIsAnErrorInsideThePlugin) {
  auto plugin = Plugin::load_file(plugin_path("greet"));
  ASSERT_TRUE(plugin);
  auto out = plugin->call_string("greet", "\xc1\xff\x00garbage");
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().kind, ErrorKind::kPluginError);
}

TEST(PluginCall, LargeOutputsAfterMemoryGrowthAreReadCorrectly) {
  auto plugin = Plugin::load_file(plugin_path("misc"));
  ASSERT_TRUE(plugin);
  const uint64_t before = plugin->memory_size();
  auto out = plugin->call_string("big", "5000000");
  ASSERT_TRUE(out) << out.error().describe();
  ASSERT_EQ(out->size(), 5000000u);
  for (size_t i = 0; i < out->size(); i += 4099) ASSERT_EQ((*out)[i], static_cast<char>('a' + i % 26));
  EXPECT_GT(plugin->memory_size(), before);
  EXPECT_EQ(plugin->memory_size() % 65536, 0u);
}

TEST(PluginCall, InputOverTheLimitIsRefused) {
  PluginOptions options;
  options.limits.max_input_bytes = 16;
  auto plugin = Plugin::load_file(plugin_path("echo"), options);
  ASSERT_TRUE(plugin);
  auto out = plugin->call_string("echo", std::string(17, 'x'));
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().kind, ErrorKind::kInvalidArgument);
}

}  // namespace
}  // namespace hookd
