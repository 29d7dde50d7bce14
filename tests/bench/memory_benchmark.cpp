// Memory and swap figures of the engine (the memory targets,
// docs/benchmarks.md): RSS per worker, RSS per plugin instance beyond the
// linear memory it touched, the time to instantiate a plugin from its
// compiled module, and to compile (and load on two workers) a ~1 MiB module
// (tests/plugins/big_module.py). loadtest/scenarios/memory.sh runs it and measures the
// gateway's side (hot swap through the admin API, start-up with 100 plugins).
//
//   build/tests/bench/memory_benchmark [--benchmark_filter=...]
//   HOOKD_ENGINE_COMPILE=optimized build/tests/bench/memory_benchmark   # the compile tier (default: tiered)
//
// The RSS figures are single iterations read from /proc/self/smaps after a
// settle (tests/memory/rss.hpp); tests/memory/memory_footprint_test.cpp
// asserts bounds on them.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "engine_options.hpp"
#include "hookd/engine/plugin.hpp"
#include "hookd/engine/read_file.hpp"
#include "rss.hpp"
#include "test_plugins.hpp"

namespace {

namespace engine = hookd::engine;
namespace rss = hookd::test::rss;

constexpr int kWorkers = 8;
constexpr int kInstances = 32;
constexpr size_t kTouched = 1u << 20;

std::vector<uint8_t> wasm_of(const char* name) {
  auto bytes = engine::read_file(hookd::test::plugin_path(name));
  if (!bytes || bytes->empty()) {
    std::fprintf(stderr, "cannot read %s.wasm: build the test plugins first\n", name);
    std::exit(1);
  }
  return std::move(*bytes);
}

// Times make() (an instantiation) per iteration. What it makes is kept in
// batches of 64 freed outside the timing, so a freed instance's unmapping is
// not counted as the next one's cost.
template <class Make>
void time_in_batches(benchmark::State& state, Make make) {
  std::vector<typename decltype(make())::value_type> batch;
  batch.reserve(64);
  for (auto _ : state) {
    auto made = make();
    if (!made) {
      state.SkipWithError("instantiate failed");
      break;
    }
    batch.push_back(std::move(*made));
    if (batch.size() == 64) {
      state.PauseTiming();
      batch.clear();
      state.ResumeTiming();
    }
  }
}

std::shared_ptr<const engine::PluginModule> load(engine::Vm& vm, engine::Worker& probe,
                                                 std::span<const uint8_t> wasm) {
  auto module = engine::PluginModule::load(vm, probe, wasm, {});
  if (!module) {
    std::fprintf(stderr, "cannot load: %s\n", module.error().describe().c_str());
    std::exit(1);
  }
  return std::move(*module);
}

// `wasm` with a custom section holding `n` appended: the same code under
// other bytes, so the engine compiles it anew (V8 shares the compiled code of
// identical bytes while a module of them is alive: a cache hit is not a
// compile).
std::vector<uint8_t> variant(std::span<const uint8_t> wasm, uint64_t n) {
  std::vector<uint8_t> out(wasm.begin(), wasm.end());
  const uint8_t section[] = {0x00, 10, 1, 'n'};  // id 0, size 10, name "n" (1 byte), then 8 bytes
  out.insert(out.end(), std::begin(section), std::end(section));
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(n >> (8 * i)));
  return out;
}

double kib(double bytes) { return bytes / 1024.0; }

// RSS per engine worker (one isolate + context each): kWorkers more workers
// after a first one (which pays the process-wide start-up), delta / kWorkers.
void BM_RssPerWorker(benchmark::State& state) {
  auto vm = engine::create_v8_vm(hookd::test::vm_options_from_env());
  auto first = vm->create_worker();
  for (auto _ : state) {
    const rss::Sample before = rss::sample();
    std::vector<std::unique_ptr<engine::Worker>> workers;
    for (int i = 0; i < kWorkers; ++i) workers.push_back(vm->create_worker());
    const rss::Sample after = rss::sample();
    state.counters["rss_kib_per_worker"] = kib(double(after.resident - before.resident) / kWorkers);
  }
}
BENCHMARK(BM_RssPerWorker)->Iterations(1)->Unit(benchmark::kMillisecond);

// RSS per instance of tests/plugins/touch.c: kInstances instances on one
// worker, each touching `touch` bytes of its heap (0: none). Reports the
// resident linear memory per instance and the rest (the instance's cost
// beyond the pages it touched).
void BM_RssPerInstance(benchmark::State& state) {
  const auto touch = static_cast<size_t>(state.range(0));
  auto vm = engine::create_v8_vm(hookd::test::vm_options_from_env());
  auto worker = vm->create_worker();
  const auto wasm = wasm_of("touch");
  auto module = load(*vm, *worker, wasm);
  const std::string arg = std::to_string(touch);
  // Pays the first instance's costs. Kept: a freed instance's memory lingers
  // until the engine's next garbage collection, which would blur the delta.
  auto warm = engine::PluginInstance::create(*worker, module);
  if (!warm || !(*warm)->call("touch", hookd::test::bytes(arg))) {
    state.SkipWithError("instance failed");
    return;
  }
  for (auto _ : state) {
    const rss::Sample before = rss::sample();
    std::vector<std::unique_ptr<engine::PluginInstance>> instances;
    for (int i = 0; i < kInstances; ++i) {
      auto instance = engine::PluginInstance::create(*worker, module);
      if (!instance || !(*instance)->call("touch", hookd::test::bytes(arg))) {
        state.SkipWithError("instance failed");
        return;
      }
      instances.push_back(std::move(*instance));
    }
    const rss::Sample after = rss::sample();
    const double total = double(after.resident - before.resident) / kInstances;
    const double linear = double(after.linear - before.linear) / kInstances;
    state.counters["rss_kib_per_instance"] = kib(total);
    state.counters["linear_kib_per_instance"] = kib(linear);
    state.counters["beyond_linear_kib"] = kib(total - linear);
    state.counters["touched_kib"] = kib(double(touch));
    state.counters["memories"] = double(after.memories - before.memories);
  }
}
BENCHMARK(BM_RssPerInstance)->Arg(0)->Arg(kTouched)->Iterations(1)->Unit(benchmark::kMillisecond);

// A fresh instance from a compiled module, as a worker makes one (after a
// trap, or on a hot swap): PluginInstance::create, which instantiates and runs
// the plugin's init. Instances are freed in batches outside the timing.
void instantiate(benchmark::State& state, const char* plugin) {
  auto vm = engine::create_v8_vm(hookd::test::vm_options_from_env());
  auto worker = vm->create_worker();
  const auto wasm = wasm_of(plugin);
  auto module = load(*vm, *worker, wasm);
  time_in_batches(state, [&] { return engine::PluginInstance::create(*worker, module); });
}
void BM_InstantiateEcho(benchmark::State& state) { instantiate(state, "echo"); }
BENCHMARK(BM_InstantiateEcho)->Unit(benchmark::kMicrosecond);
void BM_InstantiateTouch(benchmark::State& state) { instantiate(state, "touch"); }
BENCHMARK(BM_InstantiateTouch)->Unit(benchmark::kMicrosecond);
void BM_Instantiate1MiBModule(benchmark::State& state) { instantiate(state, "big_a"); }
BENCHMARK(BM_Instantiate1MiBModule)->Unit(benchmark::kMicrosecond);

// The engine alone: Worker::instantiate of echo's compiled module with stub
// imports, no ABI and no init, so (BM_InstantiateEcho - this) is hookd's part.
void BM_InstantiateEchoEngineOnly(benchmark::State& state) {
  auto vm = engine::create_v8_vm(hookd::test::vm_options_from_env());
  auto worker = vm->create_worker();
  const auto wasm = wasm_of("echo");
  auto module = load(*vm, *worker, wasm);
  const engine::CompiledModule& compiled = module->compiled();
  time_in_batches(state, [&] {
    std::vector<engine::ImportFunc> imports;
    for (const auto& imp : compiled.info().imports) {
      imports.push_back({imp.module, imp.name, imp.type,
                         [](engine::Caller&, std::span<const engine::Val>,
                            engine::Val*) -> engine::Result<void> { return {}; }});
    }
    return worker->instantiate(compiled, std::move(imports), std::chrono::nanoseconds(0));
  });
}
BENCHMARK(BM_InstantiateEchoEngineOnly)->Unit(benchmark::kMicrosecond);

// Compiling the ~1 MiB module (V8, all functions optimised up front: the
// flags hookd passes); each iteration compiles other bytes (variant()).
void BM_Compile1MiBModule(benchmark::State& state) {
  auto vm = engine::create_v8_vm(hookd::test::vm_options_from_env());
  const auto wasm = wasm_of("big_a");
  uint64_t n = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const auto bytes = variant(wasm, n++);
    state.ResumeTiming();
    auto compiled = vm->compile(bytes);
    if (!compiled) {
      state.SkipWithError("compile failed");
      break;
    }
    benchmark::DoNotOptimize(compiled->get());
  }
  state.counters["module_kib"] = kib(double(wasm.size()));
}
BENCHMARK(BM_Compile1MiBModule)->Unit(benchmark::kMillisecond)->MinTime(2);

// The engine's part of a hot swap of the ~1 MiB module on a two-worker
// gateway: load (integrity, compile, probe init) and an instance on each
// worker; the gateway adds persisting and an atomic publish.
void BM_Load1MiBModuleOnTwoWorkers(benchmark::State& state) {
  auto vm = engine::create_v8_vm(hookd::test::vm_options_from_env());
  auto probe = vm->create_worker();
  auto w1 = vm->create_worker();
  auto w2 = vm->create_worker();
  const auto wasm = wasm_of("big_a");
  uint64_t n = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const auto bytes = variant(wasm, n++);
    state.ResumeTiming();
    auto module = load(*vm, *probe, bytes);
    auto i1 = engine::PluginInstance::create(*w1, module);
    auto i2 = engine::PluginInstance::create(*w2, module);
    if (!i1 || !i2) {
      state.SkipWithError("instantiate failed");
      break;
    }
  }
}
BENCHMARK(BM_Load1MiBModuleOnTwoWorkers)->Unit(benchmark::kMillisecond)->MinTime(2);

}  // namespace

BENCHMARK_MAIN();
