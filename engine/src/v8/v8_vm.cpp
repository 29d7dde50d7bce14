#include "v8_vm.hpp"

#include "v8_platform.hpp"

namespace hookd::engine::v8impl {

std::string exception_text(v8::Isolate* isolate, v8::TryCatch& tc) {
  if (!tc.HasCaught()) return "unknown error";
  v8::String::Utf8Value text(isolate, tc.Exception());
  return *text ? std::string(*text, text.length()) : std::string("unprintable exception");
}

v8::Local<v8::String> v8_string(v8::Isolate* isolate, std::string_view s) {
  return v8::String::NewFromUtf8(isolate, s.data(), v8::NewStringType::kNormal, static_cast<int>(s.size()))
      .ToLocalChecked();
}

V8Vm::V8Vm(const VmOptions& options)
    : trap_handler_(ensure_v8_initialized(options.compile, options.engine_flags)),
      fast_host_calls_(options.fast_host_calls && fast_calls_available()),
      fast_instantiations_per_module_(options.fast_instantiations_per_module),
      heap_limit_mb_(options.heap_limit_mb),
      allocator_(v8::ArrayBuffer::Allocator::NewDefaultAllocator()),
      watchdog_(options.watchdog_tick) {
  v8::Isolate::CreateParams params;
  params.array_buffer_allocator = allocator_.get();
  compile_isolate_ = v8::Isolate::New(params);
  install_fatal_error_handlers(compile_isolate_);
  v8::Locker locker(compile_isolate_);
  v8::Isolate::Scope isolate_scope(compile_isolate_);
  v8::HandleScope handles(compile_isolate_);
  compile_context_.Reset(compile_isolate_, v8::Context::New(compile_isolate_));
}

V8Vm::~V8Vm() {
  {
    v8::Locker locker(compile_isolate_);
    compile_context_.Reset();
  }
  compile_isolate_->Dispose();
}

Result<std::shared_ptr<const CompiledModule>> V8Vm::compile(std::span<const uint8_t> wasm) {
  auto info = parse_module(wasm);
  if (!info) return std::unexpected(info.error());

  std::lock_guard guard(compile_mu_);
  v8::Locker locker(compile_isolate_);
  v8::Isolate::Scope isolate_scope(compile_isolate_);
  auto compiled = [&]() -> Result<std::shared_ptr<const CompiledModule>> {
    v8::HandleScope handles(compile_isolate_);
    v8::Local<v8::Context> context = compile_context_.Get(compile_isolate_);
    v8::Context::Scope context_scope(context);
    v8::TryCatch tc(compile_isolate_);
    v8::MaybeLocal<v8::WasmModuleObject> module = v8::WasmModuleObject::Compile(
        compile_isolate_, v8::MemorySpan<const uint8_t>(wasm.data(), wasm.size()));
    if (module.IsEmpty()) {
      return fail(ErrorKind::kCompile, exception_text(compile_isolate_, tc));
    }
    return std::make_shared<V8CompiledModule>(std::move(*info), module.ToLocalChecked()->GetCompiledModule(),
                                              fast_instantiations_per_module_);
  }();
  // The module object compiling made in this isolate keeps the module's
  // code alive until the isolate collects it, and an isolate that only
  // compiles never collects on its own: each replaced version's code (about
  // 70 MiB for a 13 MB component) stayed after every other reference was
  // gone. A collection of this near-empty heap now frees the object (the
  // CompiledModule keeps the code for as long as hookd uses it).
  compile_isolate_->LowMemoryNotification();
  return compiled;
}

std::unique_ptr<Worker> V8Vm::create_worker() {
  return std::make_unique<V8Worker>(*this, trap_handler_, fast_host_calls_, heap_limit_mb_);
}

}  // namespace hookd::engine::v8impl

namespace hookd::engine {
std::unique_ptr<Vm> create_v8_vm(const VmOptions& options) { return std::make_unique<v8impl::V8Vm>(options); }
}  // namespace hookd::engine
