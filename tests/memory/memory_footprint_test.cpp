// The memory figures docs/benchmarks.md claims (RSS per worker and per instance), asserted
// with generous margins (no timing here: speed is in
// tests/bench/memory_benchmark.cpp and loadtest/scenarios/memory.sh): an engine worker
// costs at most 3 MiB of RSS, and an instance of a plugin costs at most the
// linear memory it touched plus 256 KiB. Resident memory is read from
// /proc/self/smaps (rss.hpp), so this binary is not built with sanitizers.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "hookd/engine/plugin.hpp"
#include "hookd/engine/read_file.hpp"
#include "rss.hpp"
#include "test_plugins.hpp"

namespace hookd::test {
namespace {

constexpr uint64_t kKiB = 1024;
constexpr uint64_t kMiB = 1024 * kKiB;

std::vector<uint8_t> wasm_of(std::string_view name) {
  auto bytes = engine::read_file(plugin_path(name));
  return bytes ? std::move(*bytes) : std::vector<uint8_t>{};
}

TEST(MemoryFootprint, AWorkerCostsAtMost3MiB) {
  auto vm = engine::create_v8_vm();
  auto first = vm->create_worker();  // the process-wide start-up is not a worker's
  constexpr int kWorkers = 4;
  const rss::Sample before = rss::sample();
  std::vector<std::unique_ptr<engine::Worker>> workers;
  for (int i = 0; i < kWorkers; ++i) workers.push_back(vm->create_worker());
  const rss::Sample after = rss::sample();
  const uint64_t per_worker = (after.resident - before.resident) / kWorkers;
  EXPECT_LE(per_worker, 3 * kMiB) << "RSS per worker: " << per_worker / kKiB << " KiB";
}

TEST(MemoryFootprint, AnInstanceCostsItsTouchedMemoryPlus256KiB) {
  auto vm = engine::create_v8_vm();
  auto worker = vm->create_worker();
  const auto wasm = wasm_of("touch");
  ASSERT_FALSE(wasm.empty()) << "touch.wasm is not built";
  auto module = engine::PluginModule::load(*vm, *worker, wasm, {});
  ASSERT_TRUE(module) << module.error().describe();
  const std::string mib = std::to_string(kMiB);
  // The first instance pays one-time costs; kept alive, since a freed
  // instance's memory lingers until the engine's next garbage collection.
  auto first = engine::PluginInstance::create(*worker, *module);
  ASSERT_TRUE(first && (*first)->call("touch", bytes(mib)));

  constexpr int kInstances = 16;
  const rss::Sample before = rss::sample();
  std::vector<std::unique_ptr<engine::PluginInstance>> instances;
  for (int i = 0; i < kInstances; ++i) {
    auto instance = engine::PluginInstance::create(*worker, *module);
    ASSERT_TRUE(instance) << instance.error().describe();
    auto touched = (*instance)->call("touch", bytes(mib));
    ASSERT_TRUE(touched) << touched.error().describe();
    EXPECT_EQ(text(*touched), mib);
    instances.push_back(std::move(*instance));
  }
  const rss::Sample after = rss::sample();
  const uint64_t per_instance = (after.resident - before.resident) / kInstances;
  const uint64_t linear = (after.linear - before.linear) / kInstances;
  // The smaps reading sees the pages the plugin touched (less a little when
  // the probe instance's lingering memory is collected meanwhile) ...
  EXPECT_GE(linear, kMiB - 16 * kKiB) << "linear memory resident per instance: " << linear / kKiB << " KiB";
  // ... and the instance costs little beyond them.
  EXPECT_LE(per_instance, linear + 256 * kKiB) << "RSS per instance: " << per_instance / kKiB
                                               << " KiB, of which linear memory " << linear / kKiB << " KiB";
}

}  // namespace
}  // namespace hookd::test
