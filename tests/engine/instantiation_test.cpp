// Instantiation runs under the plugin's deadline as a whole: a start
// function or a hookd_init that never returns ends in a timeout, at load and
// when a faulty instance is replaced, and the worker stays usable.
#include <gtest/gtest.h>

#include "hookd/engine/plugin.hpp"
#include "hookd/hookd.hpp"
#include "test_plugins.hpp"
#include "wasm_builder.hpp"

namespace hookd {
namespace {

using std::chrono::milliseconds;

PluginOptions with_deadline(milliseconds deadline) {
  PluginOptions options;
  options.limits.deadline = deadline;
  return options;
}

void expect_timeout_within(const Result<Plugin>& r, std::chrono::steady_clock::duration took) {
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kTimeout) << r.error().describe();
  EXPECT_NE(r.error().message.find("deadline of 200 ms"), std::string::npos) << r.error().message;
  EXPECT_LT(took, std::chrono::seconds(10));
}

TEST(Instantiation, EndlessStartFunctionTimesOutAtLoad) {
  test::MiniPlugin p;
  p.start_loops = true;
  const auto start = std::chrono::steady_clock::now();
  auto plugin = Plugin::load_bytes(p.build(), with_deadline(milliseconds(200)));
  expect_timeout_within(plugin, std::chrono::steady_clock::now() - start);
  EXPECT_NE(plugin.error().message.find("start function"), std::string::npos) << plugin.error().message;
}

TEST(Instantiation, EndlessHookdInitTimesOutAtLoad) {
  const auto start = std::chrono::steady_clock::now();
  auto plugin = Plugin::load_file(test::plugin_path("initloop"), with_deadline(milliseconds(200)));
  expect_timeout_within(plugin, std::chrono::steady_clock::now() - start);
}

TEST(Instantiation, WorkerServesOtherPluginsAfterAnEndlessStartFunction) {
  auto vm = engine::create_v8_vm();
  auto worker = vm->create_worker();
  test::MiniPlugin p;
  p.start_loops = true;
  const test::Bytes looping = p.build();
  auto bad = engine::PluginModule::load(*vm, *worker, looping, with_deadline(milliseconds(100)));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, ErrorKind::kTimeout);

  auto bytes = read_file(test::plugin_path("trap"));
  ASSERT_TRUE(bytes);
  auto good = engine::PluginModule::load(*vm, *worker, *bytes, {});
  ASSERT_TRUE(good) << good.error().describe();
  auto instance = engine::PluginInstance::create(*worker, *good);
  ASSERT_TRUE(instance) << instance.error().describe();
  auto out = (*instance)->call("ok", {});
  ASSERT_TRUE(out) << out.error().describe();
  EXPECT_EQ(test::text(*out), "ok");
}

TEST(Instantiation, PoisonedInstanceIsReplacedByRecoverNotByTheNextCall) {
  auto vm = engine::create_v8_vm();
  auto worker = vm->create_worker();
  auto bytes = read_file(test::plugin_path("trap"));
  auto module = engine::PluginModule::load(*vm, *worker, *bytes, {});
  ASSERT_TRUE(module);
  auto instance = engine::PluginInstance::create(*worker, *module);
  ASSERT_TRUE(instance);
  ASSERT_FALSE((*instance)->call("unreachable", {}));
  EXPECT_TRUE((*instance)->poisoned());
  ASSERT_TRUE((*instance)->recover());
  EXPECT_FALSE((*instance)->poisoned());
  EXPECT_EQ((*instance)->replacements(), 1u);
  ASSERT_TRUE((*instance)->call("ok", {}));
  EXPECT_EQ((*instance)->replacements(), 1u);  // the call did not instantiate again
}

}  // namespace
}  // namespace hookd
