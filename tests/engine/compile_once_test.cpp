// A module is compiled once and instantiated in every worker from the shared
// compiled code; instances are reused across calls.
#include <gtest/gtest.h>

#include <thread>

#include "hookd/engine/plugin.hpp"
#include "hookd/hookd.hpp"
#include "test_plugins.hpp"

namespace hookd {
namespace {

TEST(CompileOnce, FourWorkersShareOneCompilation) {
  auto vm = engine::create_v8_vm();
  auto bytes = read_file(test::plugin_path("echo"));
  ASSERT_TRUE(bytes);
  auto probe = vm->create_worker();
  auto module = engine::PluginModule::load(*vm, *probe, *bytes, {});
  ASSERT_TRUE(module) << module.error().describe();
  EXPECT_EQ(vm->compile_count(), 1u);

  constexpr int kWorkers = 4;
  constexpr int kCalls = 200;
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int w = 0; w < kWorkers; ++w) {
    threads.emplace_back([&, w] {
      auto worker = vm->create_worker();
      auto instance = engine::PluginInstance::create(*worker, *module);
      if (!instance) return;
      for (int i = 0; i < kCalls; ++i) {
        std::string msg = "w" + std::to_string(w) + "-" + std::to_string(i);
        auto out = (*instance)->call("echo", test::bytes(msg));
        if (out && test::text(*out) == msg) ok.fetch_add(1);
      }
      instance->reset();  // before its worker
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kWorkers * kCalls);
  EXPECT_EQ(vm->compile_count(), 1u);
}

TEST(CompileOnce, LoadingTwiceCompilesTwiceButCallingNeverCompiles) {
  auto vm = engine::create_v8_vm();
  auto bytes = read_file(test::plugin_path("vowels"));
  auto worker = vm->create_worker();
  auto module = engine::PluginModule::load(*vm, *worker, *bytes, {});
  ASSERT_TRUE(module);
  auto instance = engine::PluginInstance::create(*worker, *module);
  ASSERT_TRUE(instance);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE((*instance)->call("count_vowels", test::bytes("aeiou")));
  EXPECT_EQ(vm->compile_count(), 1u);
  instance->reset();
  ASSERT_TRUE(engine::PluginModule::load(*vm, *worker, *bytes, {}));
  EXPECT_EQ(vm->compile_count(), 2u);
}

}  // namespace
}  // namespace hookd
