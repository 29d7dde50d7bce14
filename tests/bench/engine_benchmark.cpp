// In-process call cost: a 64-byte echo through the native ABI on a warm
// instance, the same through the Extism adapter (tests/plugins/extism_raw.c
// against the raw kernel imports), a call that makes one host call, and a
// component export that makes host calls through the canonical ABI. A
// counting operator new reports host heap allocations per call (target:
// zero for the core ABIs). wasi:http components served as plugins, in the
// same binary: component_benchmark.cpp.
//
//   build/tests/bench/engine_benchmark --benchmark_min_time=2
//   HOOKD_ENGINE_COMPILE=optimized build/tests/bench/engine_benchmark   # the compile tier (default: tiered)
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <new>

#include "bench_support.hpp"
#include "component/component_instance.hpp"
#include "component/component_plan.hpp"
#include "engine_internals.hpp"
#include "engine_options.hpp"
#include "hookd/hookd.hpp"
#include "hookd/host/lmdb_kv_store.hpp"
#include "hookd/host/plugin_services.hpp"
#include "probe_interface.hpp"
#include "test_plugins.hpp"

namespace {
std::atomic<uint64_t> g_allocations{0};
}

void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace hookd::bench {

// Every Vm here, the embedder's default one included, compiles with the tier
// HOOKD_ENGINE_COMPILE names (tests/support/engine_options.hpp).
const engine::VmOptions& vm_options() {
  static const engine::VmOptions options = [] {
    auto o = test::vm_options_from_env();
    configure_default_vm(o);
    benchmark::AddCustomContext("engine.compile", std::string(engine::to_string(o.compile)));
    return o;
  }();
  return options;
}

uint64_t allocations() { return g_allocations.load(); }

void report_allocations(benchmark::State& state, uint64_t before) {
  const uint64_t allocs = g_allocations.load() - before;
  state.counters["allocs_per_call"] =
      benchmark::Counter(static_cast<double>(allocs) / static_cast<double>(state.iterations()));
}

}  // namespace hookd::bench

namespace {

using hookd::bench::report_allocations;
using hookd::bench::vm_options;

[[maybe_unused]] const bool kVmConfigured = (vm_options(), true);

hookd::Plugin load(std::string_view name, hookd::PluginOptions options = {}) {
  auto plugin = hookd::Plugin::load_file(hookd::test::plugin_path(name), std::move(options));
  if (!plugin) {
    std::fprintf(stderr, "cannot load %s: %s\n", std::string(name).c_str(),
                 plugin.error().describe().c_str());
    std::exit(1);
  }
  return std::move(*plugin);
}

void BM_Echo64(benchmark::State& state) {
  hookd::Plugin plugin = load("echo");
  const std::string payload(64, 'x');
  std::vector<uint8_t> out(64);
  for (int i = 0; i < 1000; ++i) (void)plugin.call("echo", hookd::test::bytes(payload));  // warm up
  const uint64_t before = g_allocations.load();
  for (auto _ : state) {
    auto r = plugin.call("echo", hookd::test::bytes(payload));
    std::memcpy(out.data(), r->data(), r->size());  // the one copy out
    benchmark::DoNotOptimize(out.data());
  }
  report_allocations(state, before);
}
BENCHMARK(BM_Echo64);

void BM_Echo64_FunctionResolved(benchmark::State& state) {
  // The gateway resolves the function once per route; this is its call cost.
  auto vm = hookd::engine::create_v8_vm(vm_options());
  auto bytes = hookd::read_file(hookd::test::plugin_path("echo"));
  auto worker = vm->create_worker();
  auto module = hookd::engine::PluginModule::load(*vm, *worker, *bytes, {});
  auto instance = hookd::engine::PluginInstance::create(*worker, *module);
  const hookd::FunctionInfo& fn = *(*module)->find_function("echo");
  const std::string payload(64, 'x');
  std::vector<uint8_t> out(64);
  for (int i = 0; i < 1000; ++i) (void)(*instance)->call(fn, hookd::test::bytes(payload));
  const uint64_t before = g_allocations.load();
  for (auto _ : state) {
    auto r = (*instance)->call(fn, hookd::test::bytes(payload));
    std::memcpy(out.data(), r->data(), r->size());
    benchmark::DoNotOptimize(out.data());
  }
  report_allocations(state, before);
  instance->reset();
}
BENCHMARK(BM_Echo64_FunctionResolved);

// Extism: the same 64 bytes through the Extism adapter. `echo` makes three
// kernel calls (input_offset, input_length, output_set: the output is the
// input block); `count_vowels` reads the input with eight input_load_u64
// calls and writes {"count":N} with alloc + stores + output_set, as an
// Extism PDK does.
void extism_call(benchmark::State& state, const char* plugin, const char* name) {
  // As the gateway calls: the function resolved once, a warm instance.
  auto vm = hookd::engine::create_v8_vm(vm_options());
  auto bytes = hookd::read_file(hookd::test::plugin_path(plugin));
  if (!bytes) {
    state.SkipWithError((std::string(plugin) + ".wasm is not built").c_str());
    return;
  }
  auto worker = vm->create_worker();
  auto module = hookd::engine::PluginModule::load(*vm, *worker, *bytes, {});
  auto instance = hookd::engine::PluginInstance::create(*worker, *module);
  const hookd::FunctionInfo& fn = *(*module)->find_function(name);
  const std::string input =
      std::string("The quick brown fox jumps over the lazy dog, again and again: 64B").substr(0, 64);
  std::vector<uint8_t> out(256);
  for (int i = 0; i < 1000; ++i) (void)(*instance)->call(fn, hookd::test::bytes(input));
  const auto calls_before = hookd::engine::PluginInstanceInternals::import_calls(**instance);
  const uint64_t before = g_allocations.load();
  for (auto _ : state) {
    auto r = (*instance)->call(fn, hookd::test::bytes(input));
    std::memcpy(out.data(), r->data(), std::min<size_t>(r->size(), out.size()));
    benchmark::DoNotOptimize(out.data());
  }
  report_allocations(state, before);
  const auto calls_after = hookd::engine::PluginInstanceInternals::import_calls(**instance);
  const auto per_call = [&](uint64_t n) {
    return benchmark::Counter(static_cast<double>(n) / static_cast<double>(state.iterations()));
  };
  state.counters["direct_imports_per_call"] = per_call(calls_after.direct - calls_before.direct);
  state.counters["callback_imports_per_call"] = per_call(calls_after.callback - calls_before.callback);
  instance->reset();
}
void BM_ExtismEcho64(benchmark::State& state) { extism_call(state, "extism_raw", "echo"); }
BENCHMARK(BM_ExtismEcho64);
void BM_ExtismCountVowels64(benchmark::State& state) { extism_call(state, "extism_raw", "count_vowels"); }
BENCHMARK(BM_ExtismCountVowels64);

// The engine layer alone: one export call with three i32 arguments through
// the neutral VM interface, no ABI work. The floor the ABI builds on.
void BM_RawExportCall(benchmark::State& state) {
  auto vm = hookd::engine::create_v8_vm(vm_options());
  auto bytes = hookd::read_file(hookd::test::plugin_path("echo"));
  auto worker = vm->create_worker();
  auto module = hookd::engine::PluginModule::load(*vm, *worker, *bytes, {});
  // echo imports nothing but hookd/wasi functions it never calls here, so
  // instantiate with stubs of the right types.
  std::vector<hookd::engine::ImportFunc> imports;
  for (const auto& imp : (*module)->compiled().info().imports) {
    imports.push_back({imp.module, imp.name, imp.type,
                       [](hookd::engine::Caller&, std::span<const hookd::engine::Val>,
                          hookd::engine::Val*) -> hookd::Result<void> { return {}; }});
  }
  auto inst = worker->instantiate((*module)->compiled(), std::move(imports), std::chrono::nanoseconds(0));
  const int version = (*inst)->find_export("hookd_abi_version");
  hookd::engine::Val result;
  const uint64_t before = g_allocations.load();
  for (auto _ : state) {
    (void)(*inst)->call(version, {}, &result, std::chrono::seconds(1));
    benchmark::DoNotOptimize(result.i32);
  }
  report_allocations(state, before);
  inst->reset();
}
BENCHMARK(BM_RawExportCall);

void BM_OneHostCall(benchmark::State& state) {
  hookd::PluginOptions options;
  options.host_functions.push_back(
      hookd::HostFnBytes("relay",
                         [](const hookd::CallContext&, std::span<const uint8_t> in,
                            std::vector<uint8_t>& out) -> hookd::Result<void> {
                           out.assign(in.begin(), in.end());
                           return {};
                         }));
  hookd::Plugin plugin = load("hostcall", std::move(options));
  const std::string payload(64, 'x');
  for (int i = 0; i < 1000; ++i) (void)plugin.call("relay", hookd::test::bytes(payload));
  const uint64_t before = g_allocations.load();
  for (auto _ : state) {
    auto r = plugin.call("relay", hookd::test::bytes(payload));
    benchmark::DoNotOptimize(r->data());
  }
  report_allocations(state, before);
}
BENCHMARK(BM_OneHostCall);

// A component export that makes host calls: runtime_probe's round-trip
// (tests/engine/component_wat/runtime_probe.wat) lowers make("probe") and
// [method]thing.label (its string result through the guest's realloc), drops
// the thing (resource.drop: the host's destructor), and lifts its string
// result, then runs the post-return. The host keeps one map of live things,
// so its state stays the same size however many calls run.
namespace component = hookd::engine::component;

struct ThingState : component::HostState {
  void begin_call(hookd::engine::CallContext&) override {}
  void end_call() override {}
  std::map<uint32_t, std::string> things;
  uint32_t next_rep = 1;
};

class ThingHost : public component::HostInterfaces {
 public:
  ThingHost()
      : interface_(hookd::test::probe_interface(
            [](component::HostCall& call, std::span<const hookd::engine::canonical::Value> args,
               std::vector<hookd::engine::canonical::Value>& out) -> hookd::Result<void> {
              auto& s = static_cast<ThingState&>(call.state);
              const uint32_t rep = s.next_rep++;
              s.things.emplace(rep, args[0].text());
              out.push_back(hookd::engine::canonical::Value::handle(rep));
              return {};
            },
            [](component::HostCall& call, std::span<const hookd::engine::canonical::Value> args,
               std::vector<hookd::engine::canonical::Value>& out) -> hookd::Result<void> {
              auto& s = static_cast<ThingState&>(call.state);
              auto it = s.things.find(args[0].handle_rep());
              if (it == s.things.end())
                return hookd::engine::fail(hookd::engine::ErrorKind::kTrap, "no such thing");
              out.push_back(hookd::engine::canonical::Value::string(it->second));
              return {};
            },
            [](component::HostState& state, uint32_t rep) -> hookd::Result<void> {
              static_cast<ThingState&>(state).things.erase(rep);
              return {};
            })) {}
  [[nodiscard]] const component::HostInterface* find(std::string_view import_name) const override {
    return import_name.starts_with("test:probe/host@") ? &interface_ : nullptr;
  }
  [[nodiscard]] std::unique_ptr<component::HostState> make_state() const override {
    return std::make_unique<ThingState>();
  }

 private:
  component::HostInterface interface_;
};

void BM_ComponentHostCalls(benchmark::State& state) {
  constexpr std::chrono::seconds kTimeout(5);
  auto vm = hookd::engine::create_v8_vm(vm_options());
  auto worker = vm->create_worker();
  auto bytes = hookd::read_file(std::string(HOOKD_COMPONENT_DIR) + "/runtime_probe.wasm");
  if (!bytes) {
    state.SkipWithError("runtime_probe.wasm is not built");
    return;
  }
  const ThingHost host;
  auto plan = component::load_component(*vm, *bytes, host);
  if (!plan) {
    state.SkipWithError(plan.error().describe().c_str());
    return;
  }
  auto instance = component::ComponentInstance::create(*plan, *worker, host, kTimeout);
  if (!instance) {
    state.SkipWithError(instance.error().describe().c_str());
    return;
  }
  auto& inst = **instance;
  for (int i = 0; i < 1000; ++i) (void)inst.call("round-trip", {}, kTimeout);  // warm up
  const uint64_t before = g_allocations.load();
  for (auto _ : state) {
    auto r = inst.call("round-trip", {}, kTimeout);
    if (!r || r->size() != 1 || (*r)[0].text() != "probe") {
      state.SkipWithError(r ? "round-trip answered something else" : r.error().describe().c_str());
      break;
    }
    benchmark::DoNotOptimize(r->data());
  }
  report_allocations(state, before);
}
BENCHMARK(BM_ComponentHostCalls);

// A fresh LMDB store in a temp dir holding counter/count = "12345".
std::unique_ptr<hookd::host::LmdbKvStore> counter_store(benchmark::State& state,
                                                        const std::filesystem::path& dir) {
  hookd::host::LmdbKvOptions kv_options;
  kv_options.dir = dir;
  kv_options.map_size_bytes = 64u << 20;
  auto kv = hookd::host::LmdbKvStore::open(kv_options);
  if (!kv) {
    state.SkipWithError("cannot open LMDB");
    return nullptr;
  }
  (void)(*kv)->set("counter", "count", "12345");
  return std::move(*kv);
}

// kv_get from a plugin: the counter example's `get` reads one small warm
// value from the embedded LMDB store (host call + LMDB read + reply); the
// kvbench test plugin's `get10` reads it ten times in one call, so
// (get10 - get) / 9 is one kv_get alone.
void kv_bench(benchmark::State& state, const char* fn, size_t input_bytes = 0) {
  const auto dir = std::filesystem::temp_directory_path() / ("hookd-kvbench-" + std::to_string(::getpid()));
  auto kv = counter_store(state, dir);
  if (!kv) return;
  hookd::config::PluginSettings settings;
  settings.grants.kv = hookd::config::KvGrant{"", hookd::config::KvMode::read};
  hookd::PluginOptions options;
  options.name = "counter";
  options.host_functions = hookd::host::builtin_host_functions("counter", settings, {kv.get()});
  hookd::Plugin plugin = load(std::string_view(fn) == "get" ? "counter" : "kvbench", std::move(options));
  const std::string input(input_bytes, 'x');
  for (int i = 0; i < 1000; ++i) (void)plugin.call(fn, hookd::test::bytes(input));
  const uint64_t before = g_allocations.load();
  for (auto _ : state) {
    auto r = plugin.call(fn, hookd::test::bytes(input));
    benchmark::DoNotOptimize(r->data());
  }
  report_allocations(state, before);
  std::filesystem::remove_all(dir);
}

// The store alone: one get_to of the same warm value, no plugin.
void BM_LmdbGetTo(benchmark::State& state) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("hookd-kvbench-direct-" + std::to_string(::getpid()));
  auto kv = counter_store(state, dir);
  if (!kv) return;
  std::vector<uint8_t> out;
  out.reserve(64);
  for (auto _ : state) {
    out.clear();
    auto r = kv->get_to("counter", "count", out);
    benchmark::DoNotOptimize(r);
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_LmdbGetTo);

void BM_KvGetFromPlugin(benchmark::State& state) { kv_bench(state, "get"); }
BENCHMARK(BM_KvGetFromPlugin);

void BM_Kv10GetsFromPlugin(benchmark::State& state) { kv_bench(state, "get10"); }
BENCHMARK(BM_Kv10GetsFromPlugin);

void BM_Kv10GetsFromPluginBatched(benchmark::State& state) { kv_bench(state, "get10_batch"); }
BENCHMARK(BM_Kv10GetsFromPluginBatched);

// The gateway benchmark's pair: ten reads then echo the 64-byte input, to
// compare with BM_Echo64 (the difference is the reads alone).
void BM_Echo64After10Gets(benchmark::State& state) { kv_bench(state, "read10", 64); }
BENCHMARK(BM_Echo64After10Gets);

void BM_Echo64After10GetsBatched(benchmark::State& state) { kv_bench(state, "read10_batch", 64); }
BENCHMARK(BM_Echo64After10GetsBatched);

void BM_Kv10GetsFromPluginAllocating(benchmark::State& state) { kv_bench(state, "get10_alloc"); }
BENCHMARK(BM_Kv10GetsFromPluginAllocating);

// The AssemblyScript plugins loadtest/scenarios/abi_peers.sh runs through Extism's and
// waPC's own JavaScript hosts (examples/assemblyscript: the Extism AS PDK and the
// waPC AS guest, unchanged), with the same 64-byte input; docs/benchmarks.md
// has the ratios.
const std::string kPeerInput64 = "The quick brown fox jumps over the lazy dog; pack my box with fi";

void peer_bench(benchmark::State& state, const char* plugin_name, const char* fn, bool declare) {
  hookd::PluginOptions options;
  if (declare) options.declared_functions = {hookd::FunctionInfo{fn}};  // waPC lists no functions
  hookd::Plugin plugin = load(plugin_name, std::move(options));
  std::vector<uint8_t> out(256);
  for (int i = 0; i < 1000; ++i) (void)plugin.call(fn, hookd::test::bytes(kPeerInput64));  // warm up
  const uint64_t before = g_allocations.load();
  for (auto _ : state) {
    auto r = plugin.call(fn, hookd::test::bytes(kPeerInput64));
    if (!r || r->size() > out.size()) {
      state.SkipWithError("call failed");
      break;
    }
    std::memcpy(out.data(), r->data(), r->size());  // the one copy out
    benchmark::DoNotOptimize(out.data());
  }
  report_allocations(state, before);
}

void BM_WapcEcho64(benchmark::State& state) { peer_bench(state, "as_wapc_echo", "echo", true); }
BENCHMARK(BM_WapcEcho64);

void BM_WapcCountVowels64(benchmark::State& state) {
  peer_bench(state, "as_wapc_count_vowels", "count_vowels", true);
}
BENCHMARK(BM_WapcCountVowels64);

// The same protocol with a guest that allocates nothing (tests/plugins/
// wapc_raw.c, C against the raw imports): the adapter's own cost, without
// the AS guest library's per-call allocations, UTF-8 decoding and map lookup.
void BM_WapcRawEcho64(benchmark::State& state) { peer_bench(state, "wapc_raw", "echo", true); }
BENCHMARK(BM_WapcRawEcho64);

void BM_ExtismAsEcho64(benchmark::State& state) { peer_bench(state, "as_extism_echo", "echo", false); }
BENCHMARK(BM_ExtismAsEcho64);

void BM_ExtismAsCountVowels64(benchmark::State& state) {
  peer_bench(state, "as_extism_count_vowels", "count_vowels", false);
}
BENCHMARK(BM_ExtismAsCountVowels64);

}  // namespace

BENCHMARK_MAIN();
