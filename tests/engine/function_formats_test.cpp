// The formats an embedder declares for the functions of Extism and waPC
// plugins (PluginOptions::function_formats, a plugin's `formats` setting):
// they reach the module's FunctionInfo, survive the replacement of a faulty
// instance, and a name the plugin does not have (or any entry for a hookd
// plugin, whose functions declare their own) fails the load. Plugins built
// from source (examples/assemblyscript, tests/plugins/as).
#include <gtest/gtest.h>

#include "hookd/hookd.hpp"
#include "test_plugins.hpp"

namespace hookd {
namespace {

using engine::Format;
using test::plugin_path;

FunctionInfo format_of(const char* name, Format in, Format out) { return FunctionInfo{name, 0, in, out}; }

const FunctionInfo& function(const Plugin& plugin, std::string_view name) {
  static const FunctionInfo kMissing{"(missing)"};
  for (const auto& f : plugin.functions()) {
    if (f.name == name) return f;
  }
  ADD_FAILURE() << "no function " << name;
  return kMissing;
}

TEST(FunctionFormats, ReachTheFunctionsOfAnExtismPluginAndTheRestStayBytes) {
  PluginOptions options;
  options.function_formats = {format_of("trap", Format::kMsgpack, Format::kMsgpack),
                              format_of("fail", Format::kJson, Format::kText)};
  auto plugin = Plugin::load_file(plugin_path("as_extism_fail"), std::move(options));
  ASSERT_TRUE(plugin) << plugin.error().describe();
  EXPECT_EQ(function(*plugin, "trap").input, Format::kMsgpack);
  EXPECT_EQ(function(*plugin, "trap").output, Format::kMsgpack);
  EXPECT_EQ(function(*plugin, "fail").input, Format::kJson);
  EXPECT_EQ(function(*plugin, "fail").output, Format::kText);
  EXPECT_EQ(function(*plugin, "hog").input, Format::kBytes);
  EXPECT_EQ(function(*plugin, "hog").output, Format::kBytes);

  // A replacement instance lists its functions again: with the same formats,
  // or the engine would refuse it ("different functions than at load").
  EXPECT_FALSE(plugin->call_string("trap", ""));
  auto failed = plugin->call_string("fail", "still serving");
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().kind, engine::ErrorKind::kPluginError) << failed.error().describe();
  EXPECT_EQ(plugin->replacements(), 1u);
  EXPECT_EQ(function(*plugin, "trap").input, Format::kMsgpack);
}

TEST(FunctionFormats, ReachTheDeclaredOperationsOfAWapcPlugin) {
  PluginOptions options;
  options.declared_functions = {FunctionInfo{"echo"}, FunctionInfo{"echo_raw"}};
  options.function_formats = {format_of("echo", Format::kMsgpack, Format::kMsgpack)};
  auto plugin = Plugin::load_file(plugin_path("as_wapc_echo"), std::move(options));
  ASSERT_TRUE(plugin) << plugin.error().describe();
  EXPECT_EQ(function(*plugin, "echo").input, Format::kMsgpack);
  EXPECT_EQ(function(*plugin, "echo").output, Format::kMsgpack);
  EXPECT_EQ(function(*plugin, "echo_raw").input, Format::kBytes);
  // The engine passes the bytes through: transcoding is the gateway's job.
  auto out = plugin->call_string("echo",
                                 "\x81\xa1"
                                 "a\x01");
  ASSERT_TRUE(out) << out.error().describe();
  EXPECT_EQ(*out,
            "\x81\xa1"
            "a\x01");
}

TEST(FunctionFormats, ANameTheExtismPluginDoesNotExportFailsTheLoad) {
  PluginOptions options;
  options.function_formats = {format_of("ech0", Format::kMsgpack, Format::kMsgpack)};
  auto plugin = Plugin::load_file(plugin_path("as_extism_echo"), std::move(options));
  ASSERT_FALSE(plugin);
  EXPECT_EQ(plugin.error().kind, engine::ErrorKind::kInvalidArgument);
  EXPECT_EQ(plugin.error().message, "formats: the plugin has no function \"ech0\" (its functions: echo)");
}

TEST(FunctionFormats, ForAWapcPluginTheDeclaredOperationsAreTheOnlyNames) {
  PluginOptions options;
  options.declared_functions = {FunctionInfo{"echo"}};
  options.function_formats = {format_of("count_vowels", Format::kMsgpack, Format::kMsgpack)};
  auto plugin = Plugin::load_file(plugin_path("as_wapc_echo"), std::move(options));
  ASSERT_FALSE(plugin);
  EXPECT_EQ(plugin.error().kind, engine::ErrorKind::kInvalidArgument);
  EXPECT_EQ(plugin.error().message,
            "formats: the plugin has no function \"count_vowels\" (its functions: echo)");
}

TEST(FunctionFormats, AreRefusedForAHookdPlugin) {
  PluginOptions options;
  options.function_formats = {format_of("echo", Format::kMsgpack, Format::kMsgpack)};
  auto plugin = Plugin::load_file(plugin_path("echo"), std::move(options));
  ASSERT_FALSE(plugin);
  EXPECT_EQ(plugin.error().kind, engine::ErrorKind::kInvalidArgument);
  EXPECT_NE(plugin.error().message.find("declare their own formats"), std::string::npos)
      << plugin.error().message;
}

}  // namespace
}  // namespace hookd
