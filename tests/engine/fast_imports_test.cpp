// Hot host imports (hookd.host_call, host_result, log) are reached straight
// from guest code; everything else, and every module past its budget of such
// instantiations, takes the engine's callback path with the same results.
#include <gtest/gtest.h>

#include "engine_internals.hpp"
#include "hookd/engine/plugin.hpp"
#include "hookd/hookd.hpp"
#include "test_plugins.hpp"

namespace hookd {
namespace {

using engine::PluginInstance;
using engine::PluginModule;

engine::PluginOptions relay_options(
    std::function<void(std::span<const uint8_t>, std::vector<uint8_t>&)> body) {
  engine::PluginOptions options;
  options.name = "hostcall";
  options.host_functions.push_back(engine::HostFunction{
      "relay", [body](const engine::CallContext&, std::span<const uint8_t> in, std::vector<uint8_t>& out) {
        body(in, out);
        return engine::Result<void>{};
      }});
  return options;
}

void copy_input(std::span<const uint8_t> in, std::vector<uint8_t>& out) { out.assign(in.begin(), in.end()); }

struct Loaded {
  std::unique_ptr<engine::Vm> vm;
  std::unique_ptr<engine::Worker> worker;
  std::shared_ptr<const PluginModule> module;
};

Loaded load_hostcall(engine::VmOptions vm_options, engine::PluginOptions options) {
  Loaded l;
  l.vm = engine::create_v8_vm(vm_options);
  l.worker = l.vm->create_worker();
  auto bytes = read_file(test::plugin_path("hostcall"));
  EXPECT_TRUE(bytes);
  auto module = PluginModule::load(*l.vm, *l.worker, *bytes, std::move(options));
  EXPECT_TRUE(module) << module.error().describe();
  if (module) l.module = *module;
  return l;
}

TEST(FastImports, HostCallsAreDirectAfterInitialisation) {
  Loaded l = load_hostcall({}, relay_options(copy_input));
  ASSERT_TRUE(l.module);
  auto instance = PluginInstance::create(*l.worker, l.module);
  ASSERT_TRUE(instance);
  const auto before = hookd::engine::PluginInstanceInternals::import_calls(
      **instance);  // init registered functions via callbacks
  EXPECT_GT(before.callback, 0u);
  for (int i = 0; i < 100; ++i) {
    // Short results come back in the call's own crossing; long ones (over the
    // PDK's 256-byte buffer) through host_result.
    const std::string msg = i % 10 == 0 ? std::string(1000 + i, 'L') : "message " + std::to_string(i);
    auto out = (*instance)->call("relay", test::bytes(msg));
    ASSERT_TRUE(out) << out.error().describe();
    ASSERT_EQ(test::text(*out), msg);
  }
  const auto after = hookd::engine::PluginInstanceInternals::import_calls(**instance);
  EXPECT_EQ(after.callback, before.callback);
  EXPECT_EQ(after.direct - before.direct,
            110u);  // host_call_into per call, + host_result for the 10 long ones
}

TEST(FastImports, SwitchedOffEveryImportTakesTheCallbackPathWithTheSameResults) {
  engine::VmOptions off;
  off.fast_host_calls = false;
  Loaded l = load_hostcall(off, relay_options(copy_input));
  ASSERT_TRUE(l.module);
  auto instance = PluginInstance::create(*l.worker, l.module);
  ASSERT_TRUE(instance);
  for (int i = 0; i < 20; ++i) {
    auto out = (*instance)->call("relay", test::bytes("abc"));
    ASSERT_TRUE(out);
    EXPECT_EQ(test::text(*out), "abc");
  }
  EXPECT_EQ(hookd::engine::PluginInstanceInternals::import_calls(**instance).direct, 0u);
  EXPECT_GE(hookd::engine::PluginInstanceInternals::import_calls(**instance).callback, 20u);
}

TEST(FastImports, AModuleGetsDirectImportsABoundedNumberOfTimes) {
  engine::VmOptions budget;
  budget.fast_instantiations_per_module = 3;  // the load's probe instance takes one
  Loaded l = load_hostcall(budget, relay_options(copy_input));
  ASSERT_TRUE(l.module);
  std::vector<std::unique_ptr<PluginInstance>> instances;
  for (int i = 0; i < 4; ++i) {
    auto instance = PluginInstance::create(*l.worker, l.module);
    ASSERT_TRUE(instance);
    auto out = (*instance)->call("relay", test::bytes("x"));
    ASSERT_TRUE(out) << out.error().describe();
    EXPECT_EQ(test::text(*out), "x");
    instances.push_back(std::move(*instance));
  }
  EXPECT_GT(hookd::engine::PluginInstanceInternals::import_calls(*instances[0]).direct, 0u);
  EXPECT_GT(hookd::engine::PluginInstanceInternals::import_calls(*instances[1]).direct, 0u);
  EXPECT_EQ(hookd::engine::PluginInstanceInternals::import_calls(*instances[2]).direct, 0u);
  EXPECT_EQ(hookd::engine::PluginInstanceInternals::import_calls(*instances[3]).direct, 0u);
  EXPECT_GT(hookd::engine::PluginInstanceInternals::import_calls(*instances[3]).callback, 0u);
}

TEST(FastImports, AHostFunctionCannotCallBackIntoAPlugin) {
  PluginInstance* self = nullptr;
  std::string nested_error;
  Loaded l = load_hostcall({}, relay_options([&](std::span<const uint8_t> in, std::vector<uint8_t>& out) {
                             if (self != nullptr) {
                               auto nested = self->call("relay", in);
                               nested_error = nested ? "nested call succeeded" : nested.error().message;
                             }
                             out.assign(in.begin(), in.end());
                           }));
  ASSERT_TRUE(l.module);
  auto instance = PluginInstance::create(*l.worker, l.module);
  ASSERT_TRUE(instance);
  self = instance->get();
  auto out = (*instance)->call("relay", test::bytes("outer"));
  ASSERT_TRUE(out) << out.error().describe();
  EXPECT_EQ(test::text(*out), "outer");
  EXPECT_EQ(nested_error, "a host function cannot call into a plugin");
  // The instance is unharmed.
  self = nullptr;
  auto again = (*instance)->call("relay", test::bytes("again"));
  ASSERT_TRUE(again);
  EXPECT_EQ(test::text(*again), "again");
}

}  // namespace
}  // namespace hookd
