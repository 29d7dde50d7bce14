#pragma once

#include <v8.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "engine_internals.hpp"
#include "fast_imports.hpp"
#include "v8_vm.hpp"

namespace hookd::engine::v8impl {

class V8Instance;

// Binds one host import to one instance; reached from V8 through the
// function's External data.
struct ImportThunk {
  ImportFunc import;
  V8Instance* instance = nullptr;
};

class V8Instance final : public Instance, public Caller {
 public:
  explicit V8Instance(V8Worker& worker) : worker_(worker) {}
  ~V8Instance() override;

  [[nodiscard]] int find_export(std::string_view name) const override;
  Result<void> call(int export_index, std::span<const Val> args, Val* result,
                    std::chrono::nanoseconds timeout) override;
  std::span<uint8_t> memory() override;
  // How guest code reached host imports so far (engine_internals.hpp).
  [[nodiscard]] ImportCalls import_calls() const { return import_calls_; }

  // Set up by V8Worker::instantiate.
  std::vector<std::unique_ptr<ImportThunk>>& thunks() { return thunks_; }
  void add_export(std::string name, FuncType type, v8::Local<v8::Function> fn);
  void set_memory(v8::Local<v8::WasmMemoryObject> memory);
  // A host import failed: remember why, so call() reports it rather than the
  // generic exception V8 unwinds with.
  void set_host_error(Error error) { host_error_ = std::move(error); }
  // Binds a hot import to a fast slot (see fast_imports.hpp).
  void bind_fast_slot(size_t slot, ImportThunk* thunk) { fast_slots_[slot] = thunk; }
  // After guest code ran: clears a termination a failed fast import
  // requested and returns the error a failed import left, if any.
  std::optional<Error> settle_fast_fault();

  // The regular path: V8 calls these with the arguments boxed as JS values.
  static void trampoline(const v8::FunctionCallbackInfo<v8::Value>& info);
  static void slot_trampoline(const v8::FunctionCallbackInfo<v8::Value>& info);
  // The fast path: V8 calls this from guest code with raw i32 arguments. It
  // must not call into V8 beyond requesting termination.
  int32_t run_fast_import(size_t slot, const int32_t* args, size_t n);
  // The same for signatures with i64 (fast_imports.cpp's wide signatures):
  // every argument widened to int64_t, converted back by the import's type.
  int64_t run_fast_import_wide(size_t slot, const int64_t* args, size_t n);

 private:
  struct Export {
    std::string name;
    FuncType type;
    v8::Global<v8::Function> fn;
  };

  V8Worker& worker_;
  std::vector<std::unique_ptr<ImportThunk>> thunks_;
  std::vector<Export> exports_;
  v8::Global<v8::WasmMemoryObject> memory_object_;
  std::shared_ptr<v8::BackingStore> backing_store_;
  std::optional<Error> host_error_;
  std::array<ImportThunk*, kFastSlots> fast_slots_{};
  bool fast_fault_ = false;  // a fast import failed and asked V8 to stop the guest
  ImportCalls import_calls_;

  // The two fast paths' shared steps: the thunk bound to `slot` (null, with
  // the failure recorded, when none is), and running it on converted
  // arguments (false, with the failure recorded, when the import fails).
  ImportThunk* bound_fast_thunk(size_t slot);
  bool run_fast_thunk(ImportThunk& thunk, std::span<const Val> args, Val* result);

  // A fast import failed: record the error and have V8 stop the guest.
  void fast_import_failed(const ImportThunk* thunk, Error error);
  static void invoke(ImportThunk& thunk, const v8::FunctionCallbackInfo<v8::Value>& info);
  static Error import_error(const ImportThunk& thunk, Error error);
};

}  // namespace hookd::engine::v8impl
