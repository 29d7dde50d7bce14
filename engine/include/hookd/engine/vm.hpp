// Engine-neutral WebAssembly VM interface. The rest of hookd (the plugin ABI,
// WASI, the server) only sees these types; V8 is one implementation, created
// by create_v8_vm() and hidden in engine/src/v8/.
//
// Threading model: a Vm is process-wide and thread-safe. A Worker owns one
// engine isolate and is used by one thread at a time. A CompiledModule is
// immutable and shared: it is compiled once and instantiated in every worker.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hookd/engine/result.hpp"
#include "hookd/engine/wasm_binary.hpp"

namespace hookd::engine {

struct Val {
  ValType type = ValType::kI32;
  union {
    int32_t i32;
    int64_t i64;
    float f32;
    double f64;
  };
  Val() : i64(0) {}
  static Val I32(int32_t v) {
    Val r;
    r.type = ValType::kI32;
    r.i32 = v;
    return r;
  }
  static Val I64(int64_t v) {
    Val r;
    r.type = ValType::kI64;
    r.i64 = v;
    return r;
  }
};

// What a host import sees of the instance calling it.
class Caller {
 public:
  virtual ~Caller() = default;
  // The caller's linear memory as it is now. Invalidated by guest execution
  // (memory may grow), so host code re-reads it rather than caching it.
  virtual std::span<uint8_t> memory() = 0;
};

// A host import. Returning an error traps the calling guest with that message.
using HostFunc = std::function<Result<void>(Caller&, std::span<const Val> args, Val* result)>;

struct ImportFunc {
  std::string module;
  std::string name;
  FuncType type;
  HostFunc fn;
  // Called on the request path (host_call, log ...): the engine may spend
  // more at instantiation to make each call cheap. `fn` must then touch
  // nothing of the engine but Caller::memory().
  bool hot = false;
};

class CompiledModule {
 public:
  virtual ~CompiledModule() = default;
  [[nodiscard]] virtual const ModuleInfo& info() const = 0;
};

class Instance {
 public:
  virtual ~Instance() = default;
  // Index of an exported function, or -1.
  [[nodiscard]] virtual int find_export(std::string_view name) const = 0;
  // Calls an export. `result` receives the single result, if any. A timeout
  // of zero means no deadline. On kTrap or kTimeout the instance must be
  // considered poisoned and replaced; the worker stays usable.
  virtual Result<void> call(int export_index, std::span<const Val> args, Val* result,
                            std::chrono::nanoseconds timeout) = 0;
  virtual std::span<uint8_t> memory() = 0;
};

class Worker {
 public:
  virtual ~Worker() = default;
  // Instantiates a module in this worker from its shared compiled code.
  // `imports` must cover every import of the module. The module's start
  // function runs under `timeout` (zero: no deadline), like a call.
  virtual Result<std::unique_ptr<Instance>> instantiate(const CompiledModule& module,
                                                        std::vector<ImportFunc> imports,
                                                        std::chrono::nanoseconds timeout) = 0;
  // Thread-safe: aborts whatever guest code this worker is running now.
  virtual void terminate() = 0;
  // The engine reached this worker's heap limit: the call that did it ended
  // with kResourceExhausted, and the worker must be destroyed (after its
  // instances) and replaced by a new one. Every later call and
  // instantiation on it fails with kResourceExhausted.
  [[nodiscard]] virtual bool exhausted() const = 0;
};

// How the engine turns a module into machine code. Process-wide: the first
// Vm of a process decides, and a later Vm asking for another tier logs a
// warning and gets the first one's.
enum class CompileTier {
  // Baseline code for every function at compile time (about 10x faster than
  // optimising it); then every function is recompiled by the optimising
  // compiler in the background, and calls switch to that code as it is
  // ready. No call waits for a compile.
  kTiered,
  // Every function by the optimising compiler before compile() returns: no
  // baseline code ever runs, compiles take about 10x longer.
  kOptimized,
};

inline std::string_view to_string(CompileTier tier) {
  return tier == CompileTier::kOptimized ? "optimized" : "tiered";
}

struct VmOptions {
  CompileTier compile = CompileTier::kTiered;
  // Engine flags, passed through verbatim (V8: "--no-liftoff" ...), after
  // the ones `compile` sets (later flags win). Only the first Vm of a
  // process applies them.
  std::string engine_flags;
  // How often the deadline watchdog checks running calls.
  std::chrono::microseconds watchdog_tick{std::chrono::milliseconds(2)};
  // Let guest code call hot imports directly (V8: fast API calls). Off, every
  // import goes through the engine's generic callback path.
  bool fast_host_calls = true;
  // V8 adds code to a module for every instantiation with direct imports, so
  // a module gets them this many times; later instances (a plugin that keeps
  // trapping and being replaced) use the callback path.
  int fast_instantiations_per_module = 64;
  // Engine heap of each worker, in MiB (0: the engine's default). Reaching
  // it ends the running call with kResourceExhausted and marks the worker
  // exhausted, instead of aborting the process.
  size_t heap_limit_mb = 0;
};

class Vm {
 public:
  virtual ~Vm() = default;
  virtual Result<std::shared_ptr<const CompiledModule>> compile(std::span<const uint8_t> wasm) = 0;
  virtual std::unique_ptr<Worker> create_worker() = 0;
  [[nodiscard]] virtual std::string_view name() const = 0;
};

std::unique_ptr<Vm> create_v8_vm(const VmOptions& options = {});

}  // namespace hookd::engine
