#include <algorithm>
#include <map>

#include "v8_instance.hpp"
#include "v8_platform.hpp"
#include "v8_vm.hpp"

namespace hookd::engine::v8impl {
namespace {

// The worker whose isolate (and context) is entered on this thread. Keeping
// them entered between calls takes Isolate::Enter and Context::Enter off the
// hot path; only one of our isolates is ever entered per thread, so
// enter/exit stay balanced.
thread_local V8Worker* t_entered = nullptr;

std::string_view val_name(ValType t) {
  switch (t) {
    case ValType::kI32:
      return "i32";
    case ValType::kI64:
      return "i64";
    case ValType::kF32:
      return "f32";
    case ValType::kF64:
      return "f64";
    case ValType::kOther:
      break;
  }
  return "?";
}

std::string describe(const FuncType& t) {
  auto names = [](const std::vector<ValType>& v) {
    std::string out;
    for (ValType x : v) {
      if (!out.empty()) out += ",";
      out += val_name(x);
    }
    return out;
  };
  return "(" + names(t.params) + ")->(" + names(t.results) + ")";
}

std::string describe(const GlobalType& g) {
  return std::string(g.is_mutable ? "mutable " : "immutable ") + std::string(val_name(g.type));
}

std::string_view extern_kind_name(ExternKind kind) {
  switch (kind) {
    case ExternKind::kFunc:
      return "a function";
    case ExternKind::kTable:
      return "a table";
    case ExternKind::kMemory:
      return "a memory";
    case ExternKind::kGlobal:
      return "a global";
    case ExternKind::kTag:
      return "a tag";
  }
  return "an unknown kind";
}

}  // namespace

V8Worker::V8Worker(V8Vm& vm, bool trap_handler, bool fast_host_calls, size_t heap_limit_mb)
    : vm_(vm),
      trap_handler_(trap_handler),
      fast_host_calls_(fast_host_calls && trap_handler),
      heap_limit_mb_(heap_limit_mb),
      allocator_(v8::ArrayBuffer::Allocator::NewDefaultAllocator()),
      deadline_([this] { isolate_->TerminateExecution(); }) {
  v8::Isolate::CreateParams params;
  params.array_buffer_allocator = allocator_.get();
  if (heap_limit_mb_ > 0) params.constraints.ConfigureDefaultsFromHeapSize(0, heap_limit_mb_ << 20);
  isolate_ = v8::Isolate::New(params);
  install_fatal_error_handlers(isolate_);
  isolate_->AddNearHeapLimitCallback(&V8Worker::near_heap_limit, this);
  {
    v8::Isolate::Scope isolate_scope(isolate_);
    // No JS runs here, so no microtask checkpoint is needed after each call.
    isolate_->SetMicrotasksPolicy(v8::MicrotasksPolicy::kExplicit);
    v8::HandleScope handles(isolate_);
    context_.Reset(isolate_, v8::Context::New(isolate_));
  }
  enter();
  v8::HandleScope handles(isolate_);
  v8::Local<v8::Context> context = this->context();
  v8::Local<v8::Value> wasm =
      context->Global()->Get(context, v8_string(isolate_, "WebAssembly")).ToLocalChecked();
  v8::Local<v8::Value> ctor =
      wasm.As<v8::Object>()->Get(context, v8_string(isolate_, "Instance")).ToLocalChecked();
  instance_ctor_.Reset(isolate_, ctor.As<v8::Function>());
  vm_.watchdog().add(&deadline_);
}

size_t V8Worker::near_heap_limit(void* data, size_t current_limit, size_t /*initial_limit*/) {
  // Called inside a GC that could not get under the limit; returning the
  // same limit would make V8 abort the process. Stop the guest instead and
  // give V8 room to finish what it is doing; the worker is then replaced
  // (Worker::exhausted), so the raised limit is never used for long.
  auto* self = static_cast<V8Worker*>(data);
  self->exhausted_.store(true, std::memory_order_release);
  self->isolate_->TerminateExecution();
  constexpr size_t kHeadroom = 32u << 20;
  return current_limit + std::max(current_limit / 4, kHeadroom);
}

Error V8Worker::exhausted_error() const {
  return Error{ErrorKind::kResourceExhausted,
               "the engine heap limit" +
                   (heap_limit_mb_ > 0 ? " of " + std::to_string(heap_limit_mb_) + " MiB" : std::string()) +
                   " was reached; the worker's engine is being replaced"};
}

std::optional<Error> V8Worker::stopped_run(bool timed_out, v8::TryCatch& tc, std::chrono::nanoseconds timeout,
                                           std::string_view what) {
  if (exhausted()) {
    if (!timed_out) isolate_->CancelTerminateExecution();
    return exhausted_error();
  }
  if (timed_out || tc.HasTerminated()) {
    if (!timed_out) isolate_->CancelTerminateExecution();
    return Error{ErrorKind::kTimeout, std::string(what) + "deadline of " +
                                          std::to_string(timeout.count() / 1'000'000) + " ms exceeded"};
  }
  return std::nullopt;
}

V8Worker::~V8Worker() {
  vm_.watchdog().remove(&deadline_);
  enter();
  leave();
  for (auto& fn : fast_functions_) fn.Reset();
  instance_ctor_.Reset();
  context_.Reset();
  isolate_->Dispose();
}

void V8Worker::enter() {
  if (t_entered == this) return;
  if (t_entered != nullptr) t_entered->leave();
  isolate_->Enter();
  {
    v8::HandleScope handles(isolate_);
    context()->Enter();
  }
  t_entered = this;
}

void V8Worker::released(size_t memory_bytes) {
  released_bytes_ += memory_bytes;
  if (released_bytes_ < kCollectAfterReleasedBytes) return;
  released_bytes_ = 0;
  enter();
  isolate_->LowMemoryNotification();
}

void V8Worker::leave() {
  {
    v8::HandleScope handles(isolate_);
    context()->Exit();
  }
  isolate_->Exit();
  t_entered = nullptr;
}

Result<std::unique_ptr<Instance>> V8Worker::instantiate(const CompiledModule& module,
                                                        std::vector<ImportFunc> imports,
                                                        std::chrono::nanoseconds timeout) {
  return instantiate_with(module, Imports{std::move(imports), {}}, true, timeout);
}

Result<std::unique_ptr<Instance>> V8Worker::instantiate_linked(const CompiledModule& module, Imports imports,
                                                               std::chrono::nanoseconds timeout) {
  return instantiate_with(module, std::move(imports), false, timeout);
}

Result<v8::Local<v8::Value>> V8Worker::linked_import(V8Instance& instance, const ImportInfo& imp,
                                                     const ImportExtern& ext) {
  const std::string what =
      "module imports " + imp.module + "." + imp.name + " from export '" + ext.export_name + "'";
  auto* from = dynamic_cast<V8Instance*>(ext.from);
  if (from == nullptr || &from->worker() != this) {
    return fail(ErrorKind::kLink, what + " of an instance of another worker (or none)");
  }
  const V8Instance::Extern* e = from->find_extern(ext.export_name);
  if (e == nullptr) return fail(ErrorKind::kLink, what + ", which that instance does not export");
  if (e->kind != imp.kind) {
    return fail(ErrorKind::kLink, what + " as " + std::string(extern_kind_name(imp.kind)) + ", but it is " +
                                      std::string(extern_kind_name(e->kind)));
  }
  if (imp.kind == ExternKind::kFunc && !(e->type == imp.type)) {
    return fail(ErrorKind::kLink, what + " as " + describe(imp.type) + ", but it is " + describe(e->type));
  }
  if (imp.kind == ExternKind::kGlobal && !(e->global == imp.global)) {
    return fail(ErrorKind::kLink,
                what + " as " + describe(imp.global) + ", but it is " + describe(e->global));
  }
  if ((imp.kind == ExternKind::kFunc || imp.kind == ExternKind::kTable) && from->uses_direct_imports()) {
    return fail(ErrorKind::kLink, what +
                                      ", but that instance reaches host imports directly, so its code "
                                      "cannot run under another instance's calls");
  }
  instance.link_from(*from);
  return e->value.Get(isolate_);
}

Result<std::unique_ptr<Instance>> V8Worker::instantiate_with(const CompiledModule& module, Imports linked,
                                                             bool may_use_direct,
                                                             std::chrono::nanoseconds timeout) {
  std::vector<ImportFunc>& imports = linked.funcs;
  const auto& compiled = static_cast<const V8CompiledModule&>(module);
  if (exhausted()) return std::unexpected(exhausted_error());
  enter();
  v8::HandleScope handles(isolate_);
  v8::Local<v8::Context> context = this->context();
  v8::TryCatch tc(isolate_);

  v8::Local<v8::WasmModuleObject> module_object;
  if (!v8::WasmModuleObject::FromCompiledModule(isolate_, compiled.compiled()).ToLocal(&module_object)) {
    return fail(ErrorKind::kInstantiate, "cannot share compiled module: " + exception_text(isolate_, tc));
  }

  auto instance = std::make_unique<V8Instance>(*this);
  std::map<std::string, v8::Local<v8::Object>> namespaces;
  const bool wants_fast = may_use_direct && fast_host_calls_ &&
                          std::any_of(imports.begin(), imports.end(), [](const ImportFunc& f) {
                            return f.hot && fast_import_supported(f.type);
                          });
  const bool fast = wants_fast && compiled.take_fast_instantiation();
  size_t next_slot = 0;
  v8::Local<v8::WasmMemoryObject> imported_memory;
  for (const ImportInfo& imp : module.info().imports) {
    auto& ns = namespaces[imp.module];
    if (ns.IsEmpty()) ns = v8::Object::New(isolate_);
    auto ext = std::find_if(linked.externs.begin(), linked.externs.end(), [&](const ImportExtern& x) {
      return x.module == imp.module && x.name == imp.name;
    });
    if (ext != linked.externs.end()) {
      auto value = linked_import(*instance, imp, *ext);
      if (!value) return std::unexpected(std::move(value.error()));
      if (imp.kind == ExternKind::kMemory && imported_memory.IsEmpty()) {
        imported_memory = value->As<v8::WasmMemoryObject>();
      }
      if (ns->Set(context, v8_string(isolate_, imp.name), *value).IsNothing()) {
        return fail(ErrorKind::kInstantiate, "cannot add import " + imp.name + " to the import object");
      }
      continue;
    }
    if (imp.kind != ExternKind::kFunc) {
      return fail(ErrorKind::kLink, "plugin imports " + imp.module + "." + imp.name +
                                        ", which is not a function; hookd provides only functions");
    }
    auto it = std::find_if(imports.begin(), imports.end(),
                           [&](const ImportFunc& f) { return f.module == imp.module && f.name == imp.name; });
    if (it == imports.end()) {
      return fail(ErrorKind::kLink,
                  "plugin imports " + imp.module + "." + imp.name + ", which hookd does not provide");
    }
    if (!(it->type == imp.type)) {
      return fail(ErrorKind::kLink, "plugin imports " + imp.module + "." + imp.name + " as " +
                                        describe(imp.type) + ", hookd provides " + describe(it->type));
    }
    auto thunk = std::make_unique<ImportThunk>(ImportThunk{*it, instance.get()});
    v8::Local<v8::Function> fn;
    if (fast && it->hot && next_slot < kFastSlots &&
        fast_import_function(*this, imp.type, next_slot).ToLocal(&fn)) {
      instance->bind_fast_slot(next_slot++, thunk.get());
    } else if (!v8::Function::New(context, &V8Instance::trampoline, v8::External::New(isolate_, thunk.get()),
                                  static_cast<int>(imp.type.params.size()))
                    .ToLocal(&fn)) {
      return fail(ErrorKind::kInstantiate, "cannot create import " + imp.name);
    }
    instance->thunks().push_back(std::move(thunk));
    if (ns->Set(context, v8_string(isolate_, imp.name), fn).IsNothing()) {
      return fail(ErrorKind::kInstantiate, "cannot add import " + imp.name + " to the import object");
    }
  }
  v8::Local<v8::Object> import_object = v8::Object::New(isolate_);
  for (auto& [name, ns] : namespaces) {
    if (import_object->Set(context, v8_string(isolate_, name), ns).IsNothing()) {
      return fail(ErrorKind::kInstantiate, "cannot add import module " + name + " to the import object");
    }
  }

  v8::Local<v8::Value> argv[2] = {module_object, import_object};
  v8::Local<v8::Object> wasm_instance;
  bool created = false;
  deadline_.arm(timeout);  // the module's start function runs in here
  {
    CallingScope calling(instance.get());  // a start function may call imports
    created = instance_ctor_.Get(isolate_)->NewInstance(context, 2, argv).ToLocal(&wasm_instance);
  }
  const bool timed_out = deadline_.disarm([this] { isolate_->CancelTerminateExecution(); });
  if (auto err = instance->settle_fast_fault()) return std::unexpected(std::move(*err));
  if (!created || exhausted()) {
    if (auto err = stopped_run(timed_out, tc, timeout, "start function: "))
      return std::unexpected(std::move(*err));
    std::string text = exception_text(isolate_, tc);
    // The engine's own link checks (memory and table limits ...).
    const ErrorKind kind = text.starts_with("LinkError") ? ErrorKind::kLink : ErrorKind::kInstantiate;
    return fail(kind, std::move(text));
  }
  v8::Local<v8::Value> exports_value;
  if (!wasm_instance->Get(context, v8_string(isolate_, "exports")).ToLocal(&exports_value) ||
      !exports_value->IsObject()) {
    return fail(ErrorKind::kInstantiate, "instance has no exports object");
  }
  auto exports = exports_value.As<v8::Object>();
  for (const ExportInfo& exp : module.info().exports) {
    v8::Local<v8::Value> v;
    if (!exports->Get(context, v8_string(isolate_, exp.name)).ToLocal(&v)) continue;
    instance->add_extern(exp, v);
    if (exp.kind == ExternKind::kFunc && v->IsFunction()) {
      instance->add_export(exp.name, exp.type, v.As<v8::Function>());
    } else if (exp.kind == ExternKind::kMemory && v->IsWasmMemoryObject()) {
      instance->set_memory(v.As<v8::WasmMemoryObject>());
    }
  }
  // A module that exports no memory works on the one it imports.
  if (!instance->has_memory() && !imported_memory.IsEmpty()) instance->set_memory(imported_memory);
  return std::unique_ptr<Instance>(std::move(instance));
}

}  // namespace hookd::engine::v8impl
