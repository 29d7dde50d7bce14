// V8 reaching a worker's heap limit ends the call with kResourceExhausted
// and marks the worker exhausted, instead of aborting the process; a new
// worker then serves. The plugin makes V8 allocate on its heap by growing a
// funcref table (its elements live on the engine heap, not in linear memory).
#include <gtest/gtest.h>

#include "hookd/engine/plugin.hpp"
#include "hookd/hookd.hpp"
#include "test_plugins.hpp"
#include "wasm_builder.hpp"

namespace hookd {
namespace {

using test::Bytes;
using test::cat;

// hookd_call: grow table 0 by 256 Ki elements (2 MiB of heap) at a time
// until table.grow fails, then return HOOKD_OK.
Bytes grow_until_refused() {
  return cat({{0x02, 0x40, 0x03, 0x40},  // block, loop
              test::table_grow(0, 256 * 1024),
              test::i32_const(-1),
              {0x46, 0x0d, 0x01, 0x0c, 0x00, 0x0b, 0x0b},  // i32.eq, br_if 1, br 0, end, end
              test::i32_const(0),
              test::kEnd});
}

TEST(HeapLimit, ExhaustingTheEngineHeapEndsTheCallAndAFreshWorkerServes) {
  engine::VmOptions vm_options;
  vm_options.heap_limit_mb = 32;
  auto vm = engine::create_v8_vm(vm_options);
  auto worker = vm->create_worker();

  test::MiniPlugin p;
  p.tables = {{0, std::nullopt}};
  p.call_body = grow_until_refused();
  PluginOptions options;
  options.name = "heap_hog";
  options.limits.deadline = std::chrono::seconds(30);
  options.limits.module.max_table_elements = 10'000'000;  // 80 MiB of table: over the heap
  const Bytes wasm = p.build();
  auto module = engine::PluginModule::load(*vm, *worker, wasm, options);
  ASSERT_TRUE(module) << module.error().describe();
  auto instance = engine::PluginInstance::create(*worker, *module);
  ASSERT_TRUE(instance) << instance.error().describe();

  auto out = (*instance)->call("ok", {});
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().kind, ErrorKind::kResourceExhausted) << out.error().describe();
  EXPECT_NE(out.error().message.find("32 MiB"), std::string::npos) << out.error().message;
  EXPECT_TRUE(worker->exhausted());
  // Everything later on that worker fails the same way, without running.
  auto again = (*instance)->call("ok", {});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, ErrorKind::kResourceExhausted);

  // The embedder replaces the worker: instances first, then the worker.
  instance->reset();
  worker = vm->create_worker();
  EXPECT_FALSE(worker->exhausted());
  auto bytes = read_file(test::plugin_path("trap"));
  ASSERT_TRUE(bytes);
  auto other = engine::PluginModule::load(*vm, *worker, *bytes, {});
  ASSERT_TRUE(other) << other.error().describe();
  auto fresh = engine::PluginInstance::create(*worker, *other);
  ASSERT_TRUE(fresh) << fresh.error().describe();
  auto ok = (*fresh)->call("ok", {});
  ASSERT_TRUE(ok) << ok.error().describe();
  EXPECT_EQ(test::text(*ok), "ok");
  // The same plugin instantiates again on the new worker.
  EXPECT_TRUE(engine::PluginInstance::create(*worker, *module));
}

TEST(HeapLimit, UnderTheDefaultTableCapTheSamePluginIsStoppedInsideItself) {
  // With the default module limits the table cannot grow past 100k
  // elements (800 KiB of engine heap): table.grow fails in the plugin, which
  // returns normally.
  test::MiniPlugin p;
  p.tables = {{0, std::nullopt}};
  p.call_body = grow_until_refused();
  auto plugin = Plugin::load_bytes(p.build());
  ASSERT_TRUE(plugin) << plugin.error().describe();
  auto out = plugin->call("ok", {});
  EXPECT_TRUE(out) << out.error().describe();
}

}  // namespace
}  // namespace hookd
