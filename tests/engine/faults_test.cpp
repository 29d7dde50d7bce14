// Misbehaving plugins: every fault becomes an error value, the faulty
// instance is replaced, and the next call succeeds.
#include <gtest/gtest.h>

#include "hookd/hookd.hpp"
#include "test_plugins.hpp"

namespace hookd {
namespace {

using test::plugin_path;

Result<Plugin> load(std::string_view name, PluginOptions options = {}) {
  auto plugin = Plugin::load_file(plugin_path(name), std::move(options));
  EXPECT_TRUE(plugin) << (plugin ? "" : plugin.error().describe());
  return plugin;
}

void expect_recovers(Plugin& plugin) {
  auto ok = plugin.call_string("ok", "");
  ASSERT_TRUE(ok) << ok.error().describe();
  EXPECT_EQ(*ok, "ok");
}

struct TrapCase {
  const char* plugin;
  const char* fn;
  const char* message;
};

class Traps : public ::testing::TestWithParam<TrapCase> {};

TEST_P(Traps, BecomeErrorsWithTheTrapMessageAndTheNextCallSucceeds) {
  const TrapCase& c = GetParam();
  auto plugin_loaded = load(c.plugin);
  ASSERT_TRUE(plugin_loaded);
  Plugin& plugin = *plugin_loaded;
  auto out = plugin.call_string(c.fn, "");
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().kind, ErrorKind::kTrap);
  EXPECT_NE(out.error().message.find(c.message), std::string::npos) << out.error().message;
  expect_recovers(plugin);
  EXPECT_EQ(plugin.replacements(), 1u);
}

INSTANTIATE_TEST_SUITE_P(
    Plugins, Traps,
    ::testing::Values(
        TrapCase{"trap", "unreachable", "unreachable"}, TrapCase{"trap", "div_zero", "divide by zero"},
        TrapCase{"trap", "oob", "memory access out of bounds"},
        TrapCase{"stack", "overflow", "Maximum call stack size exceeded"},
        TrapCase{"badptr", "bad_log", "hookd.log: log message out of bounds"},
        TrapCase{"badptr", "wrap_len", "hookd.log: log message out of bounds"},
        TrapCase{"badptr", "bad_host_call", "hookd.host_call: host function name out of bounds"},
        TrapCase{"badptr", "bad_result_ptr", "hookd.host_result: host result destination out of bounds"},
        TrapCase{"badptr", "bad_call_into", "hookd.host_call_into: host call output out of bounds"},
        TrapCase{"badptr", "bad_then_spin", "hookd.log: log message out of bounds"}),
    [](const auto& info) { return std::string(info.param.plugin) + "_" + info.param.fn; });

TEST(Faults, OutputPointerOutsideMemoryIsAProtocolError) {
  auto plugin_loaded = load("badptr");
  ASSERT_TRUE(plugin_loaded);
  Plugin& plugin = *plugin_loaded;
  auto out = plugin.call_string("bad_output", "");
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().kind, ErrorKind::kProtocol);
  expect_recovers(plugin);
}

TEST(Faults, InfiniteLoopHitsTheDeadlineAndTheWorkerKeepsServing) {
  PluginOptions options;
  options.limits.deadline = std::chrono::milliseconds(100);
  auto plugin_loaded = load("loop", options);
  ASSERT_TRUE(plugin_loaded);
  Plugin& plugin = *plugin_loaded;
  for (int round = 0; round < 3; ++round) {
    const auto start = std::chrono::steady_clock::now();
    auto out = plugin.call_string("spin", "");
    const auto took = std::chrono::steady_clock::now() - start;
    ASSERT_FALSE(out);
    EXPECT_EQ(out.error().kind, ErrorKind::kTimeout);
    EXPECT_NE(out.error().message.find("100 ms"), std::string::npos);
    EXPECT_LT(took, std::chrono::seconds(5));
    expect_recovers(plugin);
  }
}

TEST(Faults, MemoryHogIsStoppedAtItsPageLimitInsideThePlugin) {
  PluginOptions options;
  options.limits.max_memory_pages = 48;  // 3 MiB
  auto plugin_loaded = load("hog", options);
  ASSERT_TRUE(plugin_loaded);
  Plugin& plugin = *plugin_loaded;
  auto out = plugin.call_string("hog", "");
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().kind, ErrorKind::kPluginError);
  EXPECT_NE(out.error().message.find("malloc failed"), std::string::npos);
  EXPECT_LE(plugin.memory_size(), 48u * 65536u);
  // memory.grow past the cap reports failure to the plugin.
  EXPECT_EQ(*plugin.call_string("grow", ""), "-1");
  expect_recovers(plugin);
}

TEST(Faults, ManyFaultsInARowDoNotLeakIntoLaterCalls) {
  PluginOptions options;
  options.limits.deadline = std::chrono::milliseconds(50);
  auto trap_loaded = load("trap", options);
  ASSERT_TRUE(trap_loaded);
  Plugin& trap = *trap_loaded;
  for (int i = 0; i < 50; ++i) {
    ASSERT_FALSE(trap.call_string("unreachable", ""));
    ASSERT_TRUE(trap.call_string("ok", ""));
  }
  EXPECT_EQ(trap.replacements(), 50u);
}

}  // namespace
}  // namespace hookd
