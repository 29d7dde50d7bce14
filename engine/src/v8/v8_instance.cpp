#include "v8_instance.hpp"

#include <array>
#include <exception>
#include <new>

namespace hookd::engine::v8impl {
namespace {

constexpr size_t kMaxArgs = 16;

// Host imports running on this thread. Guest code cannot be entered from
// inside one: the fast path forbids calling into V8 there, and the isolate
// that is running would be left mid-call.
thread_local int t_import_depth = 0;

struct ImportDepth {
  ImportDepth() { ++t_import_depth; }
  ~ImportDepth() { --t_import_depth; }
  ImportDepth(const ImportDepth&) = delete;
  ImportDepth& operator=(const ImportDepth&) = delete;
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
  for (auto& e : exports_) e.fn.Reset();
  memory_object_.Reset();
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
    ImportDepth depth;
    r = run_import(thunk.import, *thunk.instance, std::span<const Val>(args.data(), n), &result);
  }
  if (!r) {
    Error err = import_error(thunk, std::move(r.error()));
    const std::string text = err.message;
    thunk.instance->set_host_error(std::move(err));
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
  ImportDepth depth;
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
