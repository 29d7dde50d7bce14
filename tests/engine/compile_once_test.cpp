// A module is compiled once and instantiated in every worker from the shared
// compiled code; instances are reused across calls.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "hookd/engine/plugin.hpp"
#include "hookd/hookd.hpp"
#include "test_plugins.hpp"

namespace hookd {
namespace {

// Counts the compilations it passes on to the real engine.
class CountingVm final : public engine::Vm {
 public:
  explicit CountingVm(std::unique_ptr<engine::Vm> vm) : vm_(std::move(vm)) {}
  Result<std::shared_ptr<const engine::CompiledModule>> compile(std::span<const uint8_t> wasm) override {
    auto compiled = vm_->compile(wasm);
    if (compiled) compiles_.fetch_add(1);
    return compiled;
  }
  std::unique_ptr<engine::Worker> create_worker() override { return vm_->create_worker(); }
  [[nodiscard]] std::string_view name() const override { return vm_->name(); }
  [[nodiscard]] uint64_t compile_count() const { return compiles_.load(); }

 private:
  std::unique_ptr<engine::Vm> vm_;
  std::atomic<uint64_t> compiles_{0};
};

TEST(CompileOnce, FourWorkersShareOneCompilation) {
  auto vm = std::make_unique<CountingVm>(engine::create_v8_vm());
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
  auto vm = std::make_unique<CountingVm>(engine::create_v8_vm());
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
