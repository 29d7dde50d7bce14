// Every host function runs behind an exception barrier: a C++ exception
// thrown by one (std::bad_alloc first) becomes a trap of the calling plugin
// with a message, never unwinds through the engine, on every import path:
// host_call and host_call_direct, reached directly (fast) or through the
// engine's callbacks.
#include <gtest/gtest.h>

#include <new>
#include <stdexcept>

#include "engine_internals.hpp"
#include "hookd/engine/plugin.hpp"
#include "hookd/hookd.hpp"
#include "test_plugins.hpp"

namespace hookd {
namespace {

using engine::PluginInstance;
using engine::PluginModule;

enum class Throw { kBadAlloc, kRuntimeError };

void throw_it(Throw what) {
  if (what == Throw::kBadAlloc) throw std::bad_alloc();
  throw std::runtime_error("backend exploded");
}

struct BarrierCase {
  bool fast;
  Throw what;
  const char* fn;  // hostcall plugin function: "relay" (host_call) or "direct" (host_call_direct)
};

class ExceptionBarrier : public ::testing::TestWithParam<BarrierCase> {};

TEST_P(ExceptionBarrier, ThrowingHostFunctionTrapsThePluginWithAMessage) {
  const BarrierCase& c = GetParam();
  engine::VmOptions vm_options;
  vm_options.fast_host_calls = c.fast;
  auto vm = engine::create_v8_vm(vm_options);
  auto worker = vm->create_worker();
  engine::PluginOptions options;
  options.name = "hostcall";
  const Throw what = c.what;
  options.host_functions.push_back(engine::HostFunction{
      "relay",
      [what](const engine::CallContext&, std::span<const uint8_t>, std::vector<uint8_t>&) -> Result<void> {
        throw_it(what);
        return {};
      }});
  options.host_functions.push_back(engine::HostFunction{
      "upper", nullptr,
      [what](const engine::CallContext&, std::span<uint8_t>, uint32_t, uint32_t) -> Result<void> {
        throw_it(what);
        return {};
      }});
  auto bytes = read_file(test::plugin_path("hostcall"));
  ASSERT_TRUE(bytes);
  auto module = PluginModule::load(*vm, *worker, *bytes, options);
  ASSERT_TRUE(module) << module.error().describe();
  auto instance = PluginInstance::create(*worker, *module);
  ASSERT_TRUE(instance) << instance.error().describe();

  for (int round = 0; round < 3; ++round) {
    auto out = (*instance)->call(c.fn, test::bytes("hello"));
    ASSERT_FALSE(out);
    EXPECT_EQ(out.error().kind, ErrorKind::kTrap) << out.error().describe();
    const char* expected = c.what == Throw::kBadAlloc ? "std::bad_alloc" : "backend exploded";
    EXPECT_NE(out.error().message.find(expected), std::string::npos) << out.error().message;
  }
  const auto calls = hookd::engine::PluginInstanceInternals::import_calls(**instance);
  if (c.fast) {
    EXPECT_GT(calls.direct, 0u);  // the fast path was the one that threw
  } else {
    EXPECT_EQ(calls.direct, 0u);
  }
  EXPECT_EQ((*instance)->replacements(), 2u);
}

INSTANTIATE_TEST_SUITE_P(EveryPath, ExceptionBarrier,
                         ::testing::Values(BarrierCase{true, Throw::kBadAlloc, "relay"},
                                           BarrierCase{true, Throw::kRuntimeError, "relay"},
                                           BarrierCase{false, Throw::kBadAlloc, "relay"},
                                           BarrierCase{false, Throw::kRuntimeError, "relay"},
                                           BarrierCase{true, Throw::kBadAlloc, "direct"},
                                           BarrierCase{true, Throw::kRuntimeError, "direct"},
                                           BarrierCase{false, Throw::kBadAlloc, "direct"},
                                           BarrierCase{false, Throw::kRuntimeError, "direct"}),
                         [](const auto& info) {
                           return std::string(info.param.fast ? "fast_" : "callback_") + info.param.fn +
                                  (info.param.what == Throw::kBadAlloc ? "_bad_alloc" : "_runtime_error");
                         });

}  // namespace
}  // namespace hookd
