// V8 implementation of the engine-neutral VM interface. Nothing outside
// engine/src/v8 includes this file.
#pragma once

#include <v8.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

#include "fast_imports.hpp"
#include "hookd/engine/vm.hpp"
#include "watchdog.hpp"

namespace hookd::engine::v8impl {

class V8Vm;

class V8CompiledModule final : public CompiledModule {
 public:
  V8CompiledModule(ModuleInfo info, v8::CompiledWasmModule compiled, int fast_instantiations)
      : info_(std::move(info)),
        compiled_(std::move(compiled)),
        fast_instantiations_left_(fast_instantiations) {}
  [[nodiscard]] const ModuleInfo& info() const override { return info_; }
  [[nodiscard]] const v8::CompiledWasmModule& compiled() const { return compiled_; }
  // Each instantiation with fast imports adds wrapper code that lives as long
  // as the module, so a module gets them a bounded number of times (a plugin
  // that keeps trapping is re-instantiated with regular imports).
  bool take_fast_instantiation() const { return fast_instantiations_left_.fetch_sub(1) > 0; }

 private:
  ModuleInfo info_;
  v8::CompiledWasmModule compiled_;  // shared native code, usable from any isolate
  mutable std::atomic<int> fast_instantiations_left_;
};

class V8Instance;

// Linear memory that destroyed instances may leave to the next collection,
// per worker (V8Worker::released). A componentize-js request (one fresh
// instance of 9 MiB) costs a collection about every fourth request.
inline constexpr size_t kCollectAfterReleasedBytes = 32u << 20;

class V8Worker final : public Worker {
 public:
  V8Worker(V8Vm& vm, bool trap_handler, bool fast_host_calls, size_t heap_limit_mb);
  ~V8Worker() override;

  Result<std::unique_ptr<Instance>> instantiate(const CompiledModule& module, std::vector<ImportFunc> imports,
                                                std::chrono::nanoseconds timeout) override;
  Result<std::unique_ptr<Instance>> instantiate_linked(const CompiledModule& module, Imports imports,
                                                       std::chrono::nanoseconds timeout) override;
  void terminate() override { isolate_->TerminateExecution(); }
  [[nodiscard]] bool exhausted() const override { return exhausted_.load(std::memory_order_acquire); }
  // An instance of this worker holding `memory_bytes` of linear memory was
  // destroyed (V8Instance's destructor, on the worker's thread). Its memory
  // (and its code, once no other instance uses it) goes only with a garbage
  // collection, which a worker running nothing but wasm may never start on
  // its own: each replace of a 13 MB component kept every old instance
  // mapped. Once kCollectAfterReleasedBytes have been released since the
  // last one, this runs a full collection, so at most that much waits.
  void released(size_t memory_bytes);

  // After guest code ran under `timeout` (the deadline disarmed, reporting
  // `timed_out`): the error when the run was stopped by the deadline or by
  // the heap limit, with the termination cancelled; nullopt otherwise.
  std::optional<Error> stopped_run(bool timed_out, v8::TryCatch& tc, std::chrono::nanoseconds timeout,
                                   std::string_view what);
  Error exhausted_error() const;

  // Makes this worker's isolate and context the entered ones on the calling
  // thread (a no-op when they already are).
  void enter();
  void leave();
  v8::Isolate* isolate() const { return isolate_; }
  v8::Local<v8::Context> context() const { return context_.Get(isolate_); }
  DeadlineSlot& deadline() { return deadline_; }
  bool trap_handler() const { return trap_handler_; }
  // Shared fast import functions, by signature and slot (fast_imports.cpp).
  std::vector<v8::Global<v8::Function>>& fast_functions() { return fast_functions_; }

 private:
  V8Vm& vm_;
  bool trap_handler_;
  // Fast imports read guest memory without V8, which needs the trap handler
  // (memory then never moves).
  bool fast_host_calls_;
  std::vector<v8::Global<v8::Function>> fast_functions_;
  size_t heap_limit_mb_;
  // Set by the near-heap-limit callback (on this worker's thread, inside a
  // GC); read by calls and by the embedder.
  std::atomic<bool> exhausted_{false};
  size_t released_bytes_ = 0;  // linear memory of destroyed instances since the last collection
  std::unique_ptr<v8::ArrayBuffer::Allocator> allocator_;
  v8::Isolate* isolate_ = nullptr;
  v8::Global<v8::Context> context_;
  v8::Global<v8::Function> instance_ctor_;  // WebAssembly.Instance
  DeadlineSlot deadline_;

  static size_t near_heap_limit(void* data, size_t current_limit, size_t initial_limit);
  // The value an ImportExtern supplies for `imp`, once its kind and type
  // match; records that `instance` imports from the exporter.
  Result<v8::Local<v8::Value>> linked_import(V8Instance& instance, const ImportInfo& imp,
                                             const ImportExtern& ext);
  // Both instantiate()s: `may_use_direct` lets hot imports be reached
  // directly (never for linked instances).
  Result<std::unique_ptr<Instance>> instantiate_with(const CompiledModule& module, Imports imports,
                                                     bool may_use_direct, std::chrono::nanoseconds timeout);
};

class V8Vm final : public Vm {
 public:
  explicit V8Vm(const VmOptions& options);
  ~V8Vm() override;

  Result<std::shared_ptr<const CompiledModule>> compile(std::span<const uint8_t> wasm) override;
  std::unique_ptr<Worker> create_worker() override;
  [[nodiscard]] std::string_view name() const override { return "v8"; }

  Watchdog& watchdog() { return watchdog_; }

 private:
  bool trap_handler_;
  bool fast_host_calls_;
  int fast_instantiations_per_module_;
  size_t heap_limit_mb_;
  std::unique_ptr<v8::ArrayBuffer::Allocator> allocator_;
  // Compilation runs in a private isolate under a Locker, so any thread
  // (an admin request, a test) can compile.
  std::mutex compile_mu_;
  v8::Isolate* compile_isolate_ = nullptr;
  v8::Global<v8::Context> compile_context_;
  Watchdog watchdog_;
};

// Text of a caught exception ("RuntimeError: unreachable").
std::string exception_text(v8::Isolate* isolate, v8::TryCatch& tc);

// A V8 string of `s` (names of imports, exports and properties).
v8::Local<v8::String> v8_string(v8::Isolate* isolate, std::string_view s);

}  // namespace hookd::engine::v8impl
