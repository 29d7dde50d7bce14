#include "v8_instance.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <new>
#include <utility>

namespace hookd::engine::v8impl {
namespace {

constexpr size_t kMaxArgs = 16;

// Host imports running on this thread: those reached through the callback
// path count 1, direct (fast) ones kDirectImport. Instance::call cannot be
// entered from inside either: the fast path forbids calling into V8 there,
// and the isolate that is running would be left mid-call. Only
// Caller::call_guest may, and only when no direct import runs: a direct
// import can nest nothing (it may not enter the engine), so one running
// anywhere on the stack is the innermost.
thread_local int t_import_depth = 0;
constexpr int kDirectImport = 1 << 16;

template <int Step>
struct ImportDepth {
  ImportDepth() { t_import_depth += Step; }
  ~ImportDepth() { t_import_depth -= Step; }
  ImportDepth(const ImportDepth&) = delete;
  ImportDepth& operator=(const ImportDepth&) = delete;
};
using CallbackImport = ImportDepth<1>;
using DirectImport = ImportDepth<kDirectImport>;

// Guest calls made by host imports (call_guest) running on this thread.
thread_local int t_nested_calls = 0;

struct NestedCall {
  NestedCall() { ++t_nested_calls; }
  ~NestedCall() { --t_nested_calls; }
  NestedCall(const NestedCall&) = delete;
  NestedCall& operator=(const NestedCall&) = delete;
};

v8::Local<v8::Value> to_v8(v8::Isolate* isolate, const Val& v) {
  switch (v.type) {
    case ValType::kI32:
      return v8::Integer::New(isolate, v.i32);
    case ValType::kI64:
      return v8::BigInt::New(isolate, v.i64);
    case ValType::kF32:
      return v8::Number::New(isolate, v.f32);
    case ValType::kF64:
      return v8::Number::New(isolate, v.f64);
    case ValType::kOther:
      break;
  }
  return v8::Undefined(isolate);
}

Val from_v8(v8::Local<v8::Context> context, ValType type, v8::Local<v8::Value> v) {
  Val out;
  out.type = type;
  switch (type) {
    case ValType::kI32:
      out.i32 = v->IsInt32() ? v.As<v8::Int32>()->Value() : v->Int32Value(context).FromMaybe(0);
      break;
    case ValType::kI64:
      out.i64 = v->IsBigInt() ? v.As<v8::BigInt>()->Int64Value() : 0;
      break;
    case ValType::kF32:
      out.f32 = static_cast<float>(v->NumberValue(context).FromMaybe(0));
      break;
    case ValType::kF64:
      out.f64 = v->NumberValue(context).FromMaybe(0);
      break;
    case ValType::kOther:
      break;
  }
  return out;
}

// The exception barrier: nothing a host import throws may unwind through
// V8's frames (that is undefined behaviour and usually an abort). It becomes
// a trap of the calling guest instead.
Result<void> run_import(const ImportFunc& import, Caller& caller, std::span<const Val> args,
                        Val* result) noexcept {
  try {
    return import.fn(caller, args, result);
  } catch (const std::bad_alloc&) {
    return fail(ErrorKind::kTrap, "host function ran out of memory (std::bad_alloc)");
  } catch (const std::exception& e) {
    return fail(ErrorKind::kTrap, std::string("host function failed: ") + e.what());
  } catch (...) {
    return fail(ErrorKind::kTrap, "host function failed with an unknown exception");
  }
}

}  // namespace

V8Instance::~V8Instance() {
  if (importers_ > 0) {
    // Another instance still calls into this one's code and host imports,
    // whose thunks die with it: an embedder bug that would otherwise be a
    // use-after-free later.
    std::fprintf(stderr, "hookd: an instance was destroyed before the %d instance(s) importing from it\n",
                 importers_);
    std::abort();
  }
  for (V8Instance* from : linked_from_) --from->importers_;
  for (auto& e : exports_) e.fn.Reset();
  for (auto& e : externs_) {
    e.value.Reset();
    e.store.reset();
  }
  memory_object_.Reset();
  const size_t memory_bytes = backing_store_ ? backing_store_->ByteLength() : 0;
  backing_store_.reset();
  worker_.released(memory_bytes);  // a collection once enough waits for one
}

void V8Instance::link_from(V8Instance& from) {
  if (std::find(linked_from_.begin(), linked_from_.end(), &from) != linked_from_.end()) return;
  linked_from_.push_back(&from);
  ++from.importers_;
}

void V8Instance::add_extern(const ExportInfo& info, v8::Local<v8::Value> value) {
  externs_.push_back(
      Extern{info.name, info.kind, info.type, info.global, v8::Global<v8::Value>(worker_.isolate(), value)});
}

const V8Instance::Extern* V8Instance::find_extern(std::string_view name) const {
  for (const Extern& e : externs_) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

std::optional<ExternKind> V8Instance::export_kind(std::string_view name) const {
  const Extern* e = find_extern(name);
  return e != nullptr ? std::optional<ExternKind>(e->kind) : std::nullopt;
}

const FuncType* V8Instance::export_type(int export_index) const {
  if (export_index < 0 || static_cast<size_t>(export_index) >= exports_.size()) return nullptr;
  return &exports_[static_cast<size_t>(export_index)].type;
}

std::span<uint8_t> V8Instance::exported_memory(std::string_view name) {
  auto it = std::find_if(externs_.begin(), externs_.end(), [&](const Extern& x) { return x.name == name; });
  if (it == externs_.end() || it->kind != ExternKind::kMemory) return {};
  Extern* e = &*it;
  // As memory(): with guard regions a memory grows in place, so the backing
  // store read once stays its store and its length follows the growth (a
  // component's lowering asks for its memory several times an import call).
  // Without them V8 may move memory when it grows: read it again each time.
  // The span is valid until guest code runs again.
  if (!e->store || !worker_.trap_handler()) {
    worker_.enter();
    v8::HandleScope handles(worker_.isolate());
    e->store = e->value.Get(worker_.isolate()).As<v8::WasmMemoryObject>()->Buffer()->GetBackingStore();
  }
  return {static_cast<uint8_t*>(e->store->Data()), e->store->ByteLength()};
}

Result<v8::Local<v8::Object>> V8Instance::global_object(std::string_view name, const Extern** info) {
  const Extern* e = find_extern(name);
  if (e == nullptr || e->kind != ExternKind::kGlobal) {
    return fail(ErrorKind::kNotFound, "no exported global " + std::string(name));
  }
  if (e->global.type == ValType::kOther) {
    return fail(ErrorKind::kInvalidArgument, "global " + std::string(name) + " is not a number");
  }
  *info = e;
  return e->value.Get(worker_.isolate()).As<v8::Object>();
}

Result<Val> V8Instance::global(std::string_view name) {
  worker_.enter();
  v8::Isolate* isolate = worker_.isolate();
  v8::HandleScope handles(isolate);
  v8::TryCatch tc(isolate);
  const Extern* info = nullptr;
  auto object = global_object(name, &info);
  if (!object) return std::unexpected(std::move(object.error()));
  v8::Local<v8::Context> context = worker_.context();
  v8::Local<v8::Value> v;
  if (!(*object)->Get(context, v8_string(isolate, "value")).ToLocal(&v)) {
    return fail(ErrorKind::kInternal,
                "cannot read global " + std::string(name) + ": " + exception_text(isolate, tc));
  }
  return from_v8(context, info->global.type, v);
}

Result<void> V8Instance::set_global(std::string_view name, Val value) {
  worker_.enter();
  v8::Isolate* isolate = worker_.isolate();
  v8::HandleScope handles(isolate);
  v8::TryCatch tc(isolate);
  const Extern* info = nullptr;
  auto object = global_object(name, &info);
  if (!object) return std::unexpected(std::move(object.error()));
  if (!info->global.is_mutable) {
    return fail(ErrorKind::kInvalidArgument, "global " + std::string(name) + " is immutable");
  }
  if (info->global.type != value.type) {
    return fail(ErrorKind::kInvalidArgument, "global " + std::string(name) + " has another type");
  }
  if ((*object)->Set(worker_.context(), v8_string(isolate, "value"), to_v8(isolate, value)).IsNothing()) {
    return fail(ErrorKind::kInternal,
                "cannot set global " + std::string(name) + ": " + exception_text(isolate, tc));
  }
  return {};
}

Result<uint32_t> V8Instance::table_size(std::string_view name) {
  const Extern* e = find_extern(name);
  if (e == nullptr || e->kind != ExternKind::kTable) {
    return fail(ErrorKind::kNotFound, "no exported table " + std::string(name));
  }
  worker_.enter();
  v8::Isolate* isolate = worker_.isolate();
  v8::HandleScope handles(isolate);
  v8::TryCatch tc(isolate);
  v8::Local<v8::Context> context = worker_.context();
  v8::Local<v8::Value> length;
  if (!e->value.Get(isolate).As<v8::Object>()->Get(context, v8_string(isolate, "length")).ToLocal(&length)) {
    return fail(ErrorKind::kInternal,
                "cannot read table " + std::string(name) + ": " + exception_text(isolate, tc));
  }
  return length->Uint32Value(context).FromMaybe(0);
}

Result<void> V8Instance::call_guest(Instance& target, int export_index, std::span<const Val> args,
                                    Val* result) {
  auto* nested = dynamic_cast<V8Instance*>(&target);
  if (nested == nullptr || &nested->worker_ != &worker_) {
    return fail(ErrorKind::kInvalidArgument, "call_guest: the target is not an instance of this worker");
  }
  if (t_import_depth == 0) {
    return fail(ErrorKind::kInvalidArgument, "call_guest: only a running host import may call guest code");
  }
  if (t_import_depth >= kDirectImport) {
    return fail(ErrorKind::kInvalidArgument,
                "call_guest: a host import reached directly (hot) cannot call guest code");
  }
  if (t_nested_calls >= kMaxNestedGuestCalls) {
    return fail(ErrorKind::kTrap,
                "guest calls nested in host imports deeper than " + std::to_string(kMaxNestedGuestCalls));
  }
  if (export_index < 0 || static_cast<size_t>(export_index) >= nested->exports_.size()) {
    return fail(ErrorKind::kNotFound, "call_guest: no such export");
  }
  const Export& e = nested->exports_[static_cast<size_t>(export_index)];
  if (args.size() != e.type.params.size() || args.size() > kMaxArgs) {
    return fail(ErrorKind::kInvalidArgument, "call_guest: wrong number of arguments for " + e.name);
  }
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i].type != e.type.params[i]) {
      return fail(ErrorKind::kInvalidArgument,
                  "call_guest: argument " + std::to_string(i) + " of " + e.name + " has another type");
    }
  }
  if (worker_.exhausted()) return std::unexpected(worker_.exhausted_error());
  return run_nested(*nested, export_index, args, result);
}

Result<void> V8Instance::run_nested(V8Instance& target, int export_index, std::span<const Val> args,
                                    Val* result) {
  Export& e = target.exports_[static_cast<size_t>(export_index)];
  v8::Isolate* isolate = worker_.isolate();
  if (isolate->IsExecutionTerminating()) {
    return fail(ErrorKind::kTimeout, "the running call is being stopped; " + e.name + " was not called");
  }
  v8::HandleScope handles(isolate);
  v8::Local<v8::Context> context = worker_.context();
  v8::TryCatch tc(isolate);
  std::array<v8::Local<v8::Value>, kMaxArgs> argv;  // call_guest checked the count
  const size_t n = args.size();
  for (size_t i = 0; i < n; ++i) argv[i] = to_v8(isolate, args[i]);

  // The nested code's own imports report failures to `target` (invoke()
  // records them on the calling instance): keep what it held aside.
  std::optional<Error> outer_error = std::exchange(target.host_error_, std::nullopt);
  v8::MaybeLocal<v8::Value> ret;
  {
    NestedCall depth;
    CallingScope calling(&target);
    ret = e.fn.Get(isolate)->Call(context, v8::Undefined(isolate), static_cast<int>(n), argv.data());
  }
  std::optional<Error> nested_error = target.settle_fast_fault();
  target.host_error_ = std::move(outer_error);
  if (nested_error) {
    nested_error->message = e.name + ": " + nested_error->message;
    return std::unexpected(std::move(*nested_error));
  }
  if (ret.IsEmpty()) {
    if (tc.HasTerminated() || isolate->IsExecutionTerminating()) {
      // The deadline or the heap limit stopped the nested code; the outer
      // guest must stop too, so the termination has to stay requested.
      if (!isolate->IsExecutionTerminating()) isolate->TerminateExecution();
      if (worker_.exhausted()) return std::unexpected(worker_.exhausted_error());
      return fail(ErrorKind::kTimeout, e.name +
                                           " was stopped (the running call's deadline, or the worker was "
                                           "told to terminate)");
    }
    return fail(ErrorKind::kTrap, e.name + " trapped: " + exception_text(isolate, tc));
  }
  if (result != nullptr && !e.type.results.empty()) {
    *result = from_v8(context, e.type.results[0], ret.ToLocalChecked());
  }
  return {};
}

int V8Instance::find_export(std::string_view name) const {
  for (size_t i = 0; i < exports_.size(); ++i) {
    if (exports_[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

void V8Instance::add_export(std::string name, FuncType type, v8::Local<v8::Function> fn) {
  exports_.push_back(
      Export{std::move(name), std::move(type), v8::Global<v8::Function>(worker_.isolate(), fn)});
}

void V8Instance::set_memory(v8::Local<v8::WasmMemoryObject> memory) {
  if (backing_store_) return;  // the first memory is the instance's
  memory_object_.Reset(worker_.isolate(), memory);
  backing_store_ = memory->Buffer()->GetBackingStore();
}

std::span<uint8_t> V8Instance::memory() {
  if (!backing_store_) return {};
  if (!worker_.trap_handler()) {
    // Without guard regions V8 may move memory when it grows; re-read it.
    v8::HandleScope handles(worker_.isolate());
    backing_store_ = memory_object_.Get(worker_.isolate())->Buffer()->GetBackingStore();
  }
  // With guard regions memory grows in place: the base stays put and the
  // backing store's length follows the growth.
  return {static_cast<uint8_t*>(backing_store_->Data()), backing_store_->ByteLength()};
}

Result<void> V8Instance::call(int export_index, std::span<const Val> args, Val* result,
                              std::chrono::nanoseconds timeout) {
  if (export_index < 0 || static_cast<size_t>(export_index) >= exports_.size()) {
    return fail(ErrorKind::kNotFound, "no such export");
  }
  Export& e = exports_[static_cast<size_t>(export_index)];
  if (args.size() != e.type.params.size() || args.size() > kMaxArgs) {
    return fail(ErrorKind::kInvalidArgument, "wrong number of arguments for " + e.name);
  }
  if (t_import_depth > 0) {
    return fail(ErrorKind::kInvalidArgument, "a host function cannot call into a plugin");
  }
  if (worker_.exhausted()) return std::unexpected(worker_.exhausted_error());
  worker_.enter();
  v8::Isolate* isolate = worker_.isolate();
  v8::HandleScope handles(isolate);
  v8::Local<v8::Context> context = worker_.context();  // entered by enter()
  v8::TryCatch tc(isolate);

  // Sized for the ABI's calls (at most three arguments) so the hot path does
  // not clear a large array; longer signatures take the slow path.
  v8::Local<v8::Value> small_argv[4];
  std::vector<v8::Local<v8::Value>> large_argv;
  v8::Local<v8::Value>* argv = small_argv;
  if (args.size() > 4) {
    large_argv.resize(args.size());
    argv = large_argv.data();
  }
  for (size_t i = 0; i < args.size(); ++i) argv[i] = to_v8(isolate, args[i]);

  host_error_.reset();
  fast_fault_ = false;
  worker_.deadline().arm(timeout);
  v8::MaybeLocal<v8::Value> ret;
  {
    CallingScope calling(this);
    ret = e.fn.Get(isolate)->Call(context, v8::Undefined(isolate), static_cast<int>(args.size()), argv);
  }
  const bool timed_out = worker_.deadline().disarm([isolate] { isolate->CancelTerminateExecution(); });
  // A failed import is reported even if the guest returned normally after a
  // fast import failed (its termination request is cancelled).
  if (auto err = settle_fast_fault()) return std::unexpected(std::move(*err));
  if (ret.IsEmpty() || worker_.exhausted()) {
    if (auto err = worker_.stopped_run(timed_out, tc, timeout, "")) return std::unexpected(std::move(*err));
    return fail(ErrorKind::kTrap, exception_text(isolate, tc));
  }
  if (result != nullptr && !e.type.results.empty()) {
    *result = from_v8(context, e.type.results[0], ret.ToLocalChecked());
  }
  return {};
}

Error V8Instance::import_error(const ImportThunk& thunk, Error error) {
  error.message = thunk.import.module + "." + thunk.import.name + ": " + error.message;
  if (error.kind == ErrorKind::kInternal) error.kind = ErrorKind::kTrap;
  return error;
}

void V8Instance::invoke(ImportThunk& thunk, const v8::FunctionCallbackInfo<v8::Value>& info) {
  const FuncType& type = thunk.import.type;
  v8::Isolate* isolate = info.GetIsolate();
  v8::Local<v8::Context> context = isolate->GetCurrentContext();

  std::array<Val, kMaxArgs> args;
  const size_t n = std::min(type.params.size(), kMaxArgs);
  for (size_t i = 0; i < n; ++i) args[i] = from_v8(context, type.params[i], info[static_cast<int>(i)]);

  Val result;
  Result<void> r;
  ++thunk.instance->import_calls_.callback;
  {
    CallbackImport depth;
    r = run_import(thunk.import, *thunk.instance, std::span<const Val>(args.data(), n), &result);
  }
  if (!r) {
    // Stopped by the deadline or the heap limit (in guest code the import
    // called back into): the termination unwinds the guest; an exception
    // thrown now would replace it with one guest code could catch.
    if (isolate->IsExecutionTerminating()) return;
    Error err = import_error(thunk, std::move(r.error()));
    const std::string text = err.message;
    // Reported by the call that is running, which may be another
    // instance's (this one's function was imported there).
    V8Instance* running = calling_instance();
    (running != nullptr ? running : thunk.instance)->set_host_error(std::move(err));
    isolate->ThrowException(
        v8::Exception::Error(v8::String::NewFromUtf8(isolate, text.c_str(), v8::NewStringType::kNormal,
                                                     static_cast<int>(text.size()))
                                 .ToLocalChecked()));
    return;
  }
  if (!type.results.empty()) info.GetReturnValue().Set(to_v8(isolate, result));
}

void V8Instance::trampoline(const v8::FunctionCallbackInfo<v8::Value>& info) {
  invoke(*static_cast<ImportThunk*>(info.Data().As<v8::External>()->Value()), info);
}

void V8Instance::slot_trampoline(const v8::FunctionCallbackInfo<v8::Value>& info) {
  const auto slot = static_cast<size_t>(info.Data().As<v8::Int32>()->Value());
  V8Instance* self = calling_instance();
  ImportThunk* thunk = self != nullptr && slot < kFastSlots ? self->fast_slots_[slot] : nullptr;
  if (thunk == nullptr) {
    v8::Isolate* isolate = info.GetIsolate();
    isolate->ThrowException(v8::Exception::Error(
        v8::String::NewFromUtf8Literal(isolate, "host import called outside a plugin call")));
    return;
  }
  invoke(*thunk, info);
}

std::optional<Error> V8Instance::settle_fast_fault() {
  if (fast_fault_) {
    // The termination may still be pending if the guest returned before V8
    // checked for it.
    fast_fault_ = false;
    worker_.isolate()->CancelTerminateExecution();
  }
  std::optional<Error> err = std::move(host_error_);
  host_error_.reset();
  return err;
}

ImportThunk* V8Instance::bound_fast_thunk(size_t slot) {
  ImportThunk* thunk = slot < kFastSlots ? fast_slots_[slot] : nullptr;
  if (thunk == nullptr) {
    fast_import_failed(nullptr,
                       Error{ErrorKind::kTrap, "host import slot " + std::to_string(slot) + " is not bound"});
  }
  return thunk;
}

bool V8Instance::run_fast_thunk(ImportThunk& thunk, std::span<const Val> args, Val* result) {
  ++import_calls_.direct;
  DirectImport depth;
  Result<void> r = run_import(thunk.import, *this, args, result);
  if (!r) fast_import_failed(&thunk, std::move(r.error()));
  return r.has_value();
}

int32_t V8Instance::run_fast_import(size_t slot, const int32_t* raw, size_t n) {
  // After a failure the guest is being stopped; run nothing more.
  if (host_error_) return 0;
  ImportThunk* thunk = bound_fast_thunk(slot);
  if (thunk == nullptr) return 0;
  std::array<Val, kMaxFastArity> args;
  for (size_t i = 0; i < n; ++i) args[i] = Val::I32(raw[i]);
  Val result;
  return run_fast_thunk(*thunk, std::span<const Val>(args.data(), n), &result) ? result.i32 : 0;
}

int64_t V8Instance::run_fast_import_wide(size_t slot, const int64_t* raw, size_t n) {
  if (host_error_) return 0;
  ImportThunk* thunk = bound_fast_thunk(slot);
  if (thunk == nullptr) return 0;
  const FuncType& type = thunk->import.type;
  std::array<Val, kMaxFastArity> args;
  for (size_t i = 0; i < n; ++i) {
    args[i] = type.params[i] == ValType::kI64 ? Val::I64(raw[i]) : Val::I32(static_cast<int32_t>(raw[i]));
  }
  Val result;
  if (!run_fast_thunk(*thunk, std::span<const Val>(args.data(), n), &result)) return 0;
  return type.results.empty() ? 0 : type.results[0] == ValType::kI64 ? result.i64 : result.i32;
}

void V8Instance::fast_import_failed(const ImportThunk* thunk, Error error) {
  // No exception can be thrown from here: record the error and have V8 stop
  // the guest at its next check; call() reports the error.
  host_error_ = thunk != nullptr ? import_error(*thunk, std::move(error)) : std::move(error);
  fast_fault_ = true;
  worker_.isolate()->TerminateExecution();
}

}  // namespace hookd::engine::v8impl
