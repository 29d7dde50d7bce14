#include <mutex>

#include "hookd/hookd.hpp"

namespace hookd {

namespace {

// What configure_default_vm() left for default_vm(), under one lock.
struct DefaultVmSettings {
  std::mutex mu;
  VmOptions options;
  bool created = false;
};

DefaultVmSettings& default_vm_settings() {
  static DefaultVmSettings settings;
  return settings;
}

}  // namespace

engine::Vm& default_vm() {
  // Leaked on purpose: plugins may be destroyed during static destruction.
  static engine::Vm* vm = [] {
    auto& settings = default_vm_settings();
    std::lock_guard lock(settings.mu);
    settings.created = true;
    return engine::create_v8_vm(settings.options).release();
  }();
  return *vm;
}

bool configure_default_vm(VmOptions options) {
  auto& settings = default_vm_settings();
  std::lock_guard lock(settings.mu);
  if (settings.created) return false;
  settings.options = std::move(options);
  return true;
}

struct Plugin::Impl {
  // Order matters: the instance must go before the worker it lives in.
  std::unique_ptr<engine::Worker> worker;
  std::shared_ptr<const engine::PluginModule> module;
  std::unique_ptr<engine::PluginInstance> instance;
  ~Impl() { instance.reset(); }

  // The engine heap limit was reached: replace the worker and the instance.
  void recycle() {
    instance.reset();
    worker = default_vm().create_worker();
    auto fresh = engine::PluginInstance::create(*worker, module);
    if (fresh) instance = std::move(*fresh);
  }
};

Plugin::Plugin(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Plugin::Plugin(Plugin&&) noexcept = default;
Plugin& Plugin::operator=(Plugin&&) noexcept = default;
Plugin::~Plugin() = default;

Result<Plugin> Plugin::load_file(const std::filesystem::path& path, PluginOptions options) {
  auto bytes = read_file(path);
  if (!bytes) return std::unexpected(bytes.error());
  if (options.name == "plugin") options.name = path.stem().string();
  return load_bytes(*bytes, std::move(options));
}

Result<Plugin> Plugin::load_bytes(std::span<const uint8_t> wasm, PluginOptions options) {
  auto impl = std::make_unique<Impl>();
  engine::Vm& vm = default_vm();
  impl->worker = vm.create_worker();
  auto module = engine::PluginModule::load(vm, *impl->worker, wasm, std::move(options));
  if (!module) return std::unexpected(module.error());
  impl->module = std::move(*module);
  auto instance = engine::PluginInstance::create(*impl->worker, impl->module);
  if (!instance) return std::unexpected(instance.error());
  impl->instance = std::move(*instance);
  return Plugin(std::move(impl));
}

Result<std::span<const uint8_t>> Plugin::call(std::string_view fn, std::span<const uint8_t> input,
                                              const CallContext& ctx) {
  if (!impl_->instance) {
    return engine::fail(ErrorKind::kResourceExhausted,
                        "plugin could not be instantiated again after its engine ran out of heap");
  }
  auto out = impl_->instance->call(fn, input, ctx);
  if (!out && impl_->worker->exhausted()) impl_->recycle();
  return out;
}

Result<std::string> Plugin::call_string(std::string_view fn, std::string_view input) {
  auto out = call(fn, {reinterpret_cast<const uint8_t*>(input.data()), input.size()});
  if (!out) return std::unexpected(out.error());
  return std::string(reinterpret_cast<const char*>(out->data()), out->size());
}

const std::vector<FunctionInfo>& Plugin::functions() const { return impl_->module->functions(); }
const std::string& Plugin::sha256() const { return impl_->module->sha256(); }
uint64_t Plugin::memory_size() const { return impl_->instance ? impl_->instance->memory_size() : 0; }
uint64_t Plugin::replacements() const { return impl_->instance ? impl_->instance->replacements() : 0; }
const engine::PluginModule& Plugin::module() const { return *impl_->module; }

}  // namespace hookd
