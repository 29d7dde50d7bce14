#include "component/component_instance.hpp"
#include "component_plugin.hpp"
#include "hookd/engine/plugin.hpp"
#include "plugin_state.hpp"

namespace hookd::engine {

PluginInstance::State::State() = default;
PluginInstance::State::~State() = default;

PluginInstance::PluginInstance(Worker& worker, std::shared_ptr<const PluginModule> module)
    : worker_(worker), module_(std::move(module)), state_(std::make_unique<State>()) {
  state_->module = module_.get();
  if (!module_->component_) state_->guest = module_->abi_->create(*state_);
}

PluginInstance::~PluginInstance() = default;

Result<std::unique_ptr<PluginInstance>> PluginInstance::create(Worker& worker,
                                                               std::shared_ptr<const PluginModule> module) {
  std::unique_ptr<PluginInstance> instance(new PluginInstance(worker, std::move(module)));
  if (auto r = instance->start(); !r) return std::unexpected(r.error());
  return instance;
}

Result<void> PluginInstance::start() {
  State& st = *state_;
  st.vm.reset();
  st.poisoned = true;  // until this succeeds
  const abi::InitBudget budget(module_->options().limits.deadline);
  if (module_->component_) {
    if (auto r = start_component(st, worker_, *module_->component_, budget); !r) return r;
    st.spent = false;
    st.poisoned = false;
    return {};
  }
  const CompiledModule& compiled = module_->compiled();
  std::vector<ImportFunc> imports = st.guest->imports(compiled.info());
  for (auto& w : wasi_imports(compiled.info(), st)) imports.push_back(std::move(w));
  auto vm = worker_.instantiate(compiled, std::move(imports), budget.left());
  if (!vm) return std::unexpected(budget.timed_out(std::move(vm.error())));
  st.vm = std::move(*vm);
  std::vector<FunctionInfo> functions;
  if (auto r = st.guest->start(*st.vm, budget, functions); !r) return r;
  if (auto r = abi::apply_function_formats(module_->abi(), module_->options().function_formats, functions);
      !r)
    return r;
  if (module_->functions().empty()) {
    st.probed = std::move(functions);  // the probe at load: PluginModule::load takes them
  } else if (functions != module_->functions()) {
    return fail(ErrorKind::kInstantiate, "plugin registered different functions than at load");
  }
  st.pending.clear();
  st.poisoned = false;
  return {};
}

Result<std::span<const uint8_t>> PluginInstance::call(std::string_view fn, std::span<const uint8_t> input,
                                                      const CallContext& ctx) {
  const FunctionInfo* info = module_->find_function(fn);
  if (info == nullptr) {
    return fail(ErrorKind::kNotFound, "plugin " + module_->name() + " has no function " + std::string(fn));
  }
  return call(*info, input, ctx);
}

Result<std::span<const uint8_t>> PluginInstance::call(const FunctionInfo& fn, std::span<const uint8_t> input,
                                                      const CallContext& ctx) {
  State& st = *state_;
  const PluginLimits& limits = module_->options().limits;
  if (input.size() > limits.max_input_bytes) {
    return fail(ErrorKind::kInvalidArgument, "input of " + std::to_string(input.size()) +
                                                 " bytes exceeds the plugin's limit of " +
                                                 std::to_string(limits.max_input_bytes));
  }
  if (auto r = recover(); !r) return std::unexpected(r.error());
  const auto deadline = std::chrono::duration_cast<std::chrono::nanoseconds>(limits.deadline);
  st.begin_call(ctx);
  auto out = module_->component_ ? call_component(st, *module_->component_, input, deadline)
                                 : st.guest->call(*st.vm, fn, input, deadline);
  st.end_call();
  // A failed call leaves the instance in an unknown state: replace it.
  if (!out && out.error().kind != ErrorKind::kPluginError) st.poisoned = true;
  return out;
}

bool PluginInstance::poisoned() const { return state_->poisoned || state_->spent; }

Result<void> PluginInstance::recover() {
  if (state_->poisoned) {
    ++replacements_;
  } else if (!state_->spent) {
    return {};
  }
  return start();
}

uint64_t PluginInstance::memory_size() const {
  if (state_->component) return state_->component->memory_bytes();
  return state_->vm ? state_->vm->memory().size() : 0;
}

}  // namespace hookd::engine
