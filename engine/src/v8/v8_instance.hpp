#pragma once

#include <v8.h>

#include <array>
#include <memory>
#include <optional>
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
  [[nodiscard]] std::optional<ExternKind> export_kind(std::string_view name) const override;
  [[nodiscard]] const FuncType* export_type(int export_index) const override;
  std::span<uint8_t> exported_memory(std::string_view name) override;
  Result<Val> global(std::string_view name) override;
  Result<void> set_global(std::string_view name, Val value) override;
  Result<uint32_t> table_size(std::string_view name) override;

  // Caller: what a host import of this instance may do besides memory().
  Instance* instance() override { return this; }
  Result<void> call_guest(Instance& target, int export_index, std::span<const Val> args,
                          Val* result) override;

  // How guest code reached host imports so far (engine_internals.hpp).
  [[nodiscard]] ImportCalls import_calls() const { return import_calls_; }

  // Set up by V8Worker::instantiate.
  std::vector<std::unique_ptr<ImportThunk>>& thunks() { return thunks_; }
  void add_export(std::string name, FuncType type, v8::Local<v8::Function> fn);
  // Every export, of any kind, for other instances to import and for the
  // accessors above.
  struct Extern {
    std::string name;
    ExternKind kind;
    FuncType type;      // functions
    GlobalType global;  // globals
    v8::Global<v8::Value> value;
    // Memories: the backing store, kept once read (exported_memory()).
    std::shared_ptr<v8::BackingStore> store;
  };
  void add_extern(const ExportInfo& info, v8::Local<v8::Value> value);
  [[nodiscard]] const Extern* find_extern(std::string_view name) const;
  // This instance imports from `from`, which must outlive it.
  void link_from(V8Instance& from);
  [[nodiscard]] const V8Worker& worker() const { return worker_; }
  // Whether guest code reaches host imports of this instance directly: its
  // functions then only run correctly under its own calls (fast_imports.hpp
  // finds the instance through the thread's CallingScope).
  [[nodiscard]] bool uses_direct_imports() const { return fast_slots_[0] != nullptr; }
  [[nodiscard]] bool has_memory() const { return backing_store_ != nullptr; }
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
  std::vector<Extern> externs_;
  std::vector<V8Instance*> linked_from_;  // instances this one imports from
  int importers_ = 0;                     // instances that import from this one
  v8::Global<v8::WasmMemoryObject> memory_object_;
  std::shared_ptr<v8::BackingStore> backing_store_;
  std::optional<Error> host_error_;
  std::array<ImportThunk*, kFastSlots> fast_slots_{};
  bool fast_fault_ = false;  // a fast import failed and asked V8 to stop the guest
  ImportCalls import_calls_;

  // An exported global's object (WebAssembly.Global), or an error.
  Result<v8::Local<v8::Object>> global_object(std::string_view name, const Extern** info);
  // Runs `target`'s export under the running call (call_guest's work once
  // the rules are checked).
  Result<void> run_nested(V8Instance& target, int export_index, std::span<const Val> args, Val* result);

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
