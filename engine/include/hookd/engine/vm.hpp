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
#include <optional>
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
  static Val F32(float v) {
    Val r;
    r.type = ValType::kF32;
    r.f32 = v;
    return r;
  }
  static Val F64(double v) {
    Val r;
    r.type = ValType::kF64;
    r.f64 = v;
    return r;
  }
};

class Instance;

// What a host import sees of the instance calling it.
class Caller {
 public:
  virtual ~Caller() = default;
  // The caller's linear memory as it is now. Invalidated by guest execution
  // (memory may grow), so host code re-reads it rather than caching it.
  virtual std::span<uint8_t> memory() = 0;
  // The instance whose import is running, to call its own exports through
  // call_guest() (null where the engine does not offer that).
  virtual Instance* instance() { return nullptr; }
  // Calls export `export_index` of `target` (the calling instance or another
  // instance of the same worker) while this host import runs: the canonical
  // ABI's `cabi_realloc` and post-return functions. See "Guest calls from
  // host imports" below for the rules. An error (a trap, the deadline, the
  // depth bound) is what the host import should return: the outer call then
  // fails with it.
  virtual Result<void> call_guest(Instance& target, int export_index, std::span<const Val> args,
                                  Val* result) {
    return fail(ErrorKind::kInvalidArgument, "this engine cannot call guest code from a host import");
  }
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

// An import satisfied by an export of another instance of the same worker:
// a function, memory, table or global (the core instances of a component
// linked together). See "Linking instances" below.
struct ImportExtern {
  std::string module;
  std::string name;
  Instance* from = nullptr;  // must outlive the importing instance
  std::string export_name;
};

// Everything an instantiation may import: host functions and other
// instances' exports. An import named in both is taken from `externs`.
struct Imports {
  std::vector<ImportFunc> funcs;
  std::vector<ImportExtern> externs;
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
  // The instance's memory: the one it exports (the first, if several), else
  // the one it imports. Empty when it has none.
  virtual std::span<uint8_t> memory() = 0;

  // Exports of every kind, by name. Memory spans follow memory(): re-read
  // them after guest code ran.
  [[nodiscard]] virtual std::optional<ExternKind> export_kind(std::string_view name) const {
    return std::nullopt;
  }
  // The signature of the exported function at `export_index`, or null.
  [[nodiscard]] virtual const FuncType* export_type(int export_index) const { return nullptr; }
  virtual std::span<uint8_t> exported_memory(std::string_view name) { return {}; }
  virtual Result<Val> global(std::string_view name) {
    return fail(ErrorKind::kNotFound, "no exported global " + std::string(name));
  }
  // Fails with kInvalidArgument for an immutable global or a value of
  // another type.
  virtual Result<void> set_global(std::string_view name, Val value) {
    return fail(ErrorKind::kNotFound, "no exported global " + std::string(name));
  }
  virtual Result<uint32_t> table_size(std::string_view name) {
    return fail(ErrorKind::kNotFound, "no exported table " + std::string(name));
  }
};

// Linking instances. Worker::instantiate_linked() satisfies imports with
// exports of instances made earlier by the same worker (ImportExtern), each
// checked at link time: a missing export, a kind mismatch, a function
// signature or global type mismatch is a kLink error naming the import and
// the export, and so is whatever the engine itself refuses (memory or table
// limits). Each instance keeps its own memory (memory() is the one it
// exports, else the one it imports); a per-plugin memory cap applies to
// each module's own memory (bound_module) before it is compiled.
// The exporting instance must outlive every instance that imports from it:
// destroy a component's instances in reverse order (destroying an exporter
// first aborts the process, a bug in the embedder, rather than leaving the
// importer with dangling code). Instances made by instantiate_linked()
// reach host imports through the engine's callback path, never the direct
// one, and an instance that does use direct host calls cannot export its
// functions or tables to another: its direct imports find their instance
// through the call that runs. A trap, timeout or heap exhaustion while one
// instance runs another's code poisons all of them: replace the group.
//
// Guest calls from host imports. Instance::call() refuses to run from inside
// a host import: an import never enters guest code by accident. A host
// import that must (to allocate guest memory with `cabi_realloc`, or to run
// a post-return function of an export it called) calls
// Caller::call_guest(), which:
//   - runs only while a callback-path host import runs (not from a direct
//     one, which must not enter the engine), and only on the same worker;
//   - takes arguments of exactly the export's types (kInvalidArgument);
//   - runs under the outer call's deadline (no new one is armed): the
//     watchdog stops the nested code and then the outer call, which fails
//     with kTimeout even if the import ignores the error; the worker stays
//     usable;
//   - reports a trap in the nested code as a kTrap error, which the import
//     returns so the outer call fails with it (the instance is poisoned);
//   - is bounded in depth (kMaxNestedGuestCalls): guest code that calls an
//     import that calls guest code ... fails with kTrap past the bound.
// A post-return function after the embedder's own call to an export is an
// ordinary call(), outside any import.
inline constexpr int kMaxNestedGuestCalls = 8;

class Worker {
 public:
  virtual ~Worker() = default;
  // Instantiates a module in this worker from its shared compiled code.
  // `imports` must cover every import of the module. The module's start
  // function runs under `timeout` (zero: no deadline), like a call.
  virtual Result<std::unique_ptr<Instance>> instantiate(const CompiledModule& module,
                                                        std::vector<ImportFunc> imports,
                                                        std::chrono::nanoseconds timeout) = 0;
  // The same with imports from other instances of this worker (see
  // "Linking instances" above). An engine that cannot link instances
  // refuses any ImportExtern with kLink.
  virtual Result<std::unique_ptr<Instance>> instantiate_linked(const CompiledModule& module, Imports imports,
                                                               std::chrono::nanoseconds timeout) {
    if (!imports.externs.empty()) {
      return fail(ErrorKind::kLink, "this engine cannot link instances together");
    }
    return instantiate(module, std::move(imports.funcs), timeout);
  }
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
