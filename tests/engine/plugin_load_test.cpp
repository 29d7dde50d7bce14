// Loading: integrity, ABI and link checks happen before a plugin can run.
#include <gtest/gtest.h>

#include "hookd/hookd.hpp"
#include "test_plugins.hpp"

namespace hookd {
namespace {

using test::plugin_path;

TEST(PluginLoad, ListsRegisteredFunctionsWithTheirFormats) {
  auto plugin = Plugin::load_file(plugin_path("greet"));
  ASSERT_TRUE(plugin) << plugin.error().describe();
  const FunctionInfo* greet = plugin->module().find_function("greet");
  ASSERT_NE(greet, nullptr);
  EXPECT_EQ(greet->input, Format::kMsgpack);
  EXPECT_EQ(greet->output, Format::kMsgpack);
}

TEST(PluginLoad, AcceptsTheRightSha256InAnyCase) {
  auto first = Plugin::load_file(plugin_path("echo"));
  ASSERT_TRUE(first);
  std::string upper = first->sha256();
  for (char& c : upper) c = static_cast<char>(std::toupper(c));
  PluginOptions options;
  options.expected_sha256 = upper;
  EXPECT_TRUE(Plugin::load_file(plugin_path("echo"), options));
}

TEST(PluginLoad, Sha256MismatchNamesBothHashes) {
  PluginOptions options;
  options.expected_sha256 = std::string(64, 'a');
  auto plugin = Plugin::load_file(plugin_path("echo"), options);
  ASSERT_FALSE(plugin);
  EXPECT_EQ(plugin.error().kind, ErrorKind::kIntegrity);
  auto bytes = read_file(plugin_path("echo"));
  EXPECT_NE(plugin.error().message.find(std::string(64, 'a')), std::string::npos);
  EXPECT_NE(plugin.error().message.find(engine::sha256_hex(*bytes)), std::string::npos);
}

TEST(PluginLoad, AbiMismatchIsHumanReadable) {
  auto plugin = Plugin::load_file(plugin_path("abi2"));
  ASSERT_FALSE(plugin);
  EXPECT_EQ(plugin.error().kind, ErrorKind::kAbiMismatch);
  EXPECT_EQ(plugin.error().message, "plugin ABI 2, host supports 1");
}

TEST(PluginLoad, PlainWasmIsNotAHookdPlugin) {
  auto plugin = Plugin::load_file(plugin_path("noabi"));
  ASSERT_FALSE(plugin);
  EXPECT_EQ(plugin.error().kind, ErrorKind::kInvalidModule);
  EXPECT_NE(plugin.error().message.find("not a hookd plugin"), std::string::npos);
}

TEST(PluginLoad, ModuleOfNoKnownAbiIsRefusedNamingEveryAbiAndWhatItLacks) {
  auto plugin = Plugin::load_file(plugin_path("noabi"));
  ASSERT_FALSE(plugin);
  const std::string& m = plugin.error().message;
  EXPECT_NE(m.find("hookd: missing export hookd_abi_version"), std::string::npos) << m;
  EXPECT_NE(m.find("extism: no import from extism:host/env"), std::string::npos) << m;
  EXPECT_NE(m.find("wapc: missing export __guest_call"), std::string::npos) << m;
}

TEST(PluginLoad, NativePluginIsDetectedAsTheHookdAbi) {
  auto plugin = Plugin::load_file(plugin_path("echo"));
  ASSERT_TRUE(plugin) << plugin.error().message;
  EXPECT_EQ(plugin->module().abi(), hookd::engine::Abi::kNative);
  EXPECT_EQ(hookd::engine::abi_name(plugin->module().abi()), "hookd");
  EXPECT_EQ(hookd::engine::abi_name(hookd::engine::Abi::kExtism), "extism");
  EXPECT_EQ(hookd::engine::abi_name(hookd::engine::Abi::kWapc), "wapc");
}

TEST(PluginLoad, UnknownImportIsALinkErrorNamingIt) {
  auto plugin = Plugin::load_file(plugin_path("envimport"));
  ASSERT_FALSE(plugin);
  EXPECT_EQ(plugin.error().kind, ErrorKind::kLink);
  EXPECT_NE(plugin.error().message.find("env.missing_fn"), std::string::npos);
}

TEST(PluginLoad, DuplicateRegistrationFailsTheLoad) {
  auto plugin = Plugin::load_file(plugin_path("dupreg"));
  ASSERT_FALSE(plugin);
  EXPECT_NE(plugin.error().message.find("registered twice"), std::string::npos);
}

TEST(PluginLoad, GarbageBytesGiveAnErrorNotACrash) {
  std::vector<uint8_t> junk(1000, 0x41);
  auto plugin = Plugin::load_bytes(junk);
  ASSERT_FALSE(plugin);
  EXPECT_EQ(plugin.error().kind, ErrorKind::kInvalidModule);
}

TEST(PluginLoad, AComponentOutsideTheWasiHttpProxyWorldIsRefusedSayingWhy) {
  // The preamble of a WebAssembly component and an empty type section: a
  // component, but one that exports no wasi:http/incoming-handler.
  const std::vector<uint8_t> component = {0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00, 0x07, 0x01, 0x00};
  auto plugin = Plugin::load_bytes(component);
  ASSERT_FALSE(plugin);
  EXPECT_EQ(plugin.error().kind, ErrorKind::kInvalidModule);
  EXPECT_NE(plugin.error().message.find("does not export wasi:http/incoming-handler"), std::string::npos)
      << plugin.error().message;
}

TEST(PluginLoad, MissingFileNamesThePath) {
  auto plugin = Plugin::load_file("/nonexistent/x.wasm");
  ASSERT_FALSE(plugin);
  EXPECT_NE(plugin.error().message.find("/nonexistent/x.wasm"), std::string::npos);
}

TEST(PluginLoad, MemoryLimitBelowInitialMemoryIsRefused) {
  PluginOptions options;
  options.limits.max_memory_pages = 1;
  auto plugin = Plugin::load_file(plugin_path("echo"), options);
  ASSERT_FALSE(plugin);
  EXPECT_NE(plugin.error().message.find("limit is 1"), std::string::npos);
}

}  // namespace
}  // namespace hookd
