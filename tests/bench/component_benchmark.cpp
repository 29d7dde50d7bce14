// wasi:http components in process, through the engine API as the gateway
// calls them (docs/benchmarks.md, "wasi:http components"):
//
// - the echo component (tests/components/echo.wat) answering GET /a/b?c=d
//   on a warm instance, next to tests/plugins/path_echo.c doing the same
//   work through the native ABI (read the path and query, set Content-Type,
//   answer them): time and host heap allocations per request;
// - a fresh instance of echo and of the componentize-js hello component
//   (PluginInstance::create, the module loaded), and the linear memory each
//   instance holds;
// - a hello request and the replacement of its spent instance, which is
//   what each of hello's requests costs a gateway worker;
// - loading (compiling) hello once;
// - the memory a replaced version of hello leaves behind.
//
//   build/tests/bench/engine_benchmark --benchmark_filter='Component|PathEcho'
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bench_support.hpp"
#include "hookd/engine/http_exchange.hpp"
#include "hookd/engine/plugin.hpp"
#include "hookd/engine/read_file.hpp"
#include "hookd/engine/vm.hpp"
#include "hookd/host/plugin_services.hpp"
#include "rss.hpp"
#include "test_plugins.hpp"

namespace {

namespace engine = hookd::engine;
using namespace std::chrono_literals;

constexpr std::string_view kTarget = "/a/b?c=d";
constexpr std::string_view kAnswer = "/a/b?c=d\n";

std::vector<uint8_t> wasm_at(const std::string& path) {
  auto bytes = engine::read_file(path);
  if (!bytes || bytes->empty()) {
    std::fprintf(stderr, "cannot read %s: build it first (scripts/build.sh engine_benchmark)\n",
                 path.c_str());
    std::exit(1);
  }
  return std::move(*bytes);
}

std::vector<uint8_t> component_wasm(std::string_view name) {
  return wasm_at(std::string(HOOKD_COMPONENT_DIR) + "/" + std::string(name) + ".wasm");
}

// One GET as the gateway hands it to a plugin: the request view (the
// target and a Host header), the response sink the call shapes, and the
// call context holding both. Pinned: the context points into it.
struct Request {
  std::array<engine::HeaderField, 1> fields{{{"host", "127.0.0.1:8080"}}};
  engine::HeaderList headers{fields};
  engine::RequestView view{
      .method = "GET", .target = kTarget, .client_address = "127.0.0.1", .headers = &headers};
  engine::ResponseSink sink;
  engine::CallContext ctx{"bench-request"};

  Request() {
    ctx.request = &view;
    ctx.response = &sink;
  }
  Request(const Request&) = delete;
  Request& operator=(const Request&) = delete;
};

// A Vm, a worker and a loaded module; the instance is the caller's.
struct Loaded {
  std::unique_ptr<engine::Vm> vm;
  std::unique_ptr<engine::Worker> worker;
  std::shared_ptr<const engine::PluginModule> module;
};

engine::PluginOptions options_for(std::string_view name) {
  engine::PluginOptions options;
  options.name = std::string(name);
  options.limits.deadline = 10s;  // a componentize-js start on a loaded machine
  return options;
}

Loaded load(std::span<const uint8_t> wasm, engine::PluginOptions options) {
  Loaded p{engine::create_v8_vm(hookd::bench::vm_options()), nullptr, nullptr};
  p.worker = p.vm->create_worker();
  auto module = engine::PluginModule::load(*p.vm, *p.worker, wasm, std::move(options));
  if (!module) {
    std::fprintf(stderr, "cannot load: %s\n", module.error().describe().c_str());
    std::exit(1);
  }
  p.module = std::move(*module);
  return p;
}

std::unique_ptr<engine::PluginInstance> instance_of(const Loaded& p) {
  auto inst = engine::PluginInstance::create(*p.worker, p.module);
  if (!inst) {
    std::fprintf(stderr, "cannot instantiate: %s\n", inst.error().describe().c_str());
    std::exit(1);
  }
  return std::move(*inst);
}

// What the echo component answers: the target, "\n", text/plain.
bool answered_the_target(const engine::ResponseSink& sink, std::span<const uint8_t> body) {
  if (hookd::test::text(body) != kAnswer) return false;
  for (const engine::HeaderField h : sink.headers()) {
    if (engine::header_name_equal(h.name, "content-type") && h.value == "text/plain") return true;
  }
  return false;
}

// GET /a/b?c=d on a warm instance of `p`, the function resolved once as
// the gateway's route does, the sink reset before each call as the
// gateway's exchange does; the body copied out once.
void serve_warm(benchmark::State& state, const Loaded& p, std::string_view function) {
  auto inst = instance_of(p);
  const engine::FunctionInfo& fn = *p.module->find_function(function);
  Request req;
  auto serve = [&] {
    req.sink.reset();
    return inst->call(fn, {}, req.ctx);
  };
  auto first = serve();
  if (!first || !answered_the_target(req.sink, *first)) {
    state.SkipWithError(first ? "a wrong answer" : first.error().describe().c_str());
    return;
  }
  for (int i = 0; i < 1000; ++i) {  // warm up (the tier-up compiles)
    if (!serve()) {
      state.SkipWithError("a warm-up request failed");
      return;
    }
  }
  std::array<uint8_t, 64> out{};
  const uint64_t before = hookd::bench::allocations();
  for (auto _ : state) {
    auto r = serve();
    std::copy_n(r->begin(), std::min(r->size(), out.size()), out.begin());
    benchmark::DoNotOptimize(out.data());
  }
  hookd::bench::report_allocations(state, before);
  state.counters["memory_kib"] = static_cast<double>(inst->memory_size()) / 1024.0;
}

void BM_ComponentEcho(benchmark::State& state) {
  const auto wasm = component_wasm("echo");
  serve_warm(state, load(wasm, options_for("echo")), "handle");
}
BENCHMARK(BM_ComponentEcho);

void BM_NativePathEcho(benchmark::State& state) {
  const auto wasm = wasm_at(hookd::test::plugin_path("path_echo"));
  auto options = options_for("path_echo");
  options.host_functions = hookd::host::builtin_host_functions("path_echo", {}, {});
  serve_warm(state, load(wasm, std::move(options)), "path");
}
BENCHMARK(BM_NativePathEcho);

// A fresh instance from the loaded module: PluginInstance::create, which
// instantiates every core module of the component and runs their start
// (StarlingMonkey's initialised heap is part of hello's data segments).
// Each instance is freed outside the timing.
void BM_ComponentInstantiate(benchmark::State& state, const char* name) {
  const auto wasm = component_wasm(name);
  const Loaded p = load(wasm, options_for(name));
  uint64_t memory = 0;
  for (auto _ : state) {
    auto inst = engine::PluginInstance::create(*p.worker, p.module);
    if (!inst) {
      state.SkipWithError(inst.error().describe().c_str());
      break;
    }
    state.PauseTiming();
    memory = (*inst)->memory_size();
    inst->reset();
    state.ResumeTiming();
  }
  state.counters["memory_kib"] = static_cast<double>(memory) / 1024.0;
  state.counters["component_kib"] = static_cast<double>(p.module->size_bytes()) / 1024.0;
}
BENCHMARK_CAPTURE(BM_ComponentInstantiate, echo, "echo")->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_ComponentInstantiate, hello, "hello")->Unit(benchmark::kMillisecond);

// One hello request as a gateway worker pays for it: the call on a fresh
// instance, then recover(), which replaces the spent instance (the worker
// does that right after the response, off the request's path but on its
// thread). Reported apart: the call alone and the replacement alone.
void BM_ComponentHelloRequestAndReplace(benchmark::State& state) {
  const auto wasm = component_wasm("hello");
  const Loaded p = load(wasm, options_for("hello"));
  auto inst = instance_of(p);
  const engine::FunctionInfo& fn = *p.module->find_function("handle");
  Request req;
  req.view.target = "/hello?name=bench";
  using Clock = std::chrono::steady_clock;
  Clock::duration calls{}, replaces{};
  for (auto _ : state) {
    req.sink.reset();
    const auto t0 = Clock::now();
    auto r = inst->call(fn, {}, req.ctx);
    const auto t1 = Clock::now();
    if (!r || req.sink.status() != 200 || !inst->poisoned()) {
      state.SkipWithError(r ? "not a spent 200" : r.error().describe().c_str());
      break;
    }
    if (auto fresh = inst->recover(); !fresh) {
      state.SkipWithError(fresh.error().describe().c_str());
      break;
    }
    calls += t1 - t0;
    replaces += Clock::now() - t1;
  }
  const auto per_iteration_us = [&](Clock::duration d) {
    const auto n = std::max<benchmark::IterationCount>(state.iterations(), 1);
    return std::chrono::duration<double, std::micro>(d).count() / static_cast<double>(n);
  };
  state.counters["call_us"] = per_iteration_us(calls);
  state.counters["replace_us"] = per_iteration_us(replaces);
  state.counters["memory_kib"] = static_cast<double>(inst->memory_size()) / 1024.0;
}
BENCHMARK(BM_ComponentHelloRequestAndReplace)->Unit(benchmark::kMillisecond);

// PluginModule::load of the 13 MB hello: parsing the component, compiling
// its core modules (the engine's tier) and linking its plan. Nothing of a
// previous load is alive (freed outside the timing), so no compile is a
// cache hit.
void BM_ComponentLoadHello(benchmark::State& state) {
  const auto wasm = component_wasm("hello");
  auto vm = engine::create_v8_vm(hookd::bench::vm_options());
  auto worker = vm->create_worker();
  std::shared_ptr<const engine::PluginModule> kept;
  for (auto _ : state) {
    state.PauseTiming();
    kept.reset();
    state.ResumeTiming();
    auto module = engine::PluginModule::load(*vm, *worker, wasm, options_for("hello"));
    if (!module) {
      state.SkipWithError(module.error().describe().c_str());
      break;
    }
    kept = std::move(*module);
  }
  state.counters["component_kib"] = static_cast<double>(wasm.size()) / 1024.0;
}
BENCHMARK(BM_ComponentLoadHello)->Unit(benchmark::kMillisecond)->Iterations(3)->Repetitions(1);

// What a version of hello leaves behind once it is replaced, as a
// two-worker gateway replaces it: kReloads times, the new version loaded
// on a probe worker while the old one still serves, an instance of it on
// each of two workers asked one request, then the old version (module and
// instances) released. The first version pays the one-time costs outside
// the figure. Reports the resident memory and the wasm linear memories
// still mapped per replace, sampled after a settle (tests/memory/rss.hpp).
void BM_ComponentHelloReloadRss(benchmark::State& state) {
  constexpr int kReloads = 6;
  const auto wasm = component_wasm("hello");
  auto vm = engine::create_v8_vm(hookd::bench::vm_options());
  auto probe = vm->create_worker();
  std::array<std::unique_ptr<engine::Worker>, 2> workers{vm->create_worker(), vm->create_worker()};
  Request req;
  req.view.target = "/hello?name=bench";
  struct Version {
    std::shared_ptr<const engine::PluginModule> module;
    std::array<std::unique_ptr<engine::PluginInstance>, 2> instances;
  };
  Version serving;
  auto replace = [&]() -> engine::Result<void> {
    auto module = engine::PluginModule::load(*vm, *probe, wasm, options_for("hello"));
    if (!module) return std::unexpected(module.error());
    Version next{std::move(*module), {}};
    for (size_t w = 0; w < workers.size(); ++w) {
      auto inst = engine::PluginInstance::create(*workers[w], next.module);
      if (!inst) return std::unexpected(inst.error());
      req.sink.reset();
      if (auto r = (*inst)->call("handle", {}, req.ctx); !r) return std::unexpected(r.error());
      next.instances[w] = std::move(*inst);
    }
    serving = std::move(next);  // the old version goes
    return {};
  };
  if (auto first = replace(); !first) {
    state.SkipWithError(first.error().describe().c_str());
    return;
  }
  for (auto _ : state) {
    const hookd::test::rss::Sample before = hookd::test::rss::sample();
    for (int i = 0; i < kReloads; ++i) {
      if (auto r = replace(); !r) {
        state.SkipWithError(r.error().describe().c_str());
        return;
      }
    }
    const hookd::test::rss::Sample after = hookd::test::rss::sample();
    const auto per_reload = [](uint64_t a, uint64_t b) {
      return (static_cast<double>(a) - static_cast<double>(b)) / kReloads;
    };
    state.counters["rss_kib_per_replace"] = per_reload(after.resident, before.resident) / 1024.0;
    state.counters["linear_kib_per_replace"] = per_reload(after.linear, before.linear) / 1024.0;
    state.counters["memories_left_per_replace"] = per_reload(after.memories, before.memories);
  }
}
BENCHMARK(BM_ComponentHelloReloadRss)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
