#include <hookd/abi.h>

#include <algorithm>
#include <cstring>

#include "hookd/engine/guest_memory.hpp"
#include "hookd/engine/plugin.hpp"
#include "plugin_state.hpp"

namespace hookd::engine {
namespace {
const CallContext kNoContext{};
}

PluginInstance::PluginInstance(Worker& worker, std::shared_ptr<const PluginModule> module)
    : worker_(worker), module_(std::move(module)), state_(std::make_unique<State>()) {
  state_->module = module_.get();
}

PluginInstance::~PluginInstance() = default;

Result<std::unique_ptr<PluginInstance>> PluginInstance::create(
    Worker& worker, std::shared_ptr<const PluginModule> module) {
  std::unique_ptr<PluginInstance> instance(new PluginInstance(worker, std::move(module)));
  if (auto r = instance->start(); !r) return std::unexpected(r.error());
  return instance;
}

namespace {

// One deadline for a whole instantiation (start function, _initialize,
// hookd_init ...): each step gets what the earlier ones left.
class InitBudget {
 public:
  explicit InitBudget(std::chrono::milliseconds deadline)
      : total_(deadline), end_(std::chrono::steady_clock::now() + deadline) {}
  // Zero (no deadline) when the plugin has none.
  [[nodiscard]] std::chrono::nanoseconds left() const {
    if (total_.count() <= 0) return std::chrono::nanoseconds(0);
    const auto rest = end_ - std::chrono::steady_clock::now();
    // At least a tick, so an exhausted budget still ends in a timeout.
    return std::max<std::chrono::nanoseconds>(rest, std::chrono::microseconds(100));
  }
  // Restates a step's timeout as the whole instantiation's.
  [[nodiscard]] Error timed_out(Error e) const {
    if (e.kind == ErrorKind::kTimeout) {
      e.message = "instantiation exceeded the plugin's deadline of " + std::to_string(total_.count()) +
                  " ms (" + e.message + ")";
    }
    return e;
  }

 private:
  std::chrono::milliseconds total_;
  std::chrono::steady_clock::time_point end_;
};

}  // namespace

Result<void> PluginInstance::start() {
  State& st = *state_;
  st.vm.reset();
  st.poisoned = true;  // until this succeeds
  const InitBudget budget(module_->options().limits.deadline);
  const CompiledModule& compiled = module_->compiled();
  std::vector<ImportFunc> imports = hookd_imports(st);
  for (auto& w : wasi_imports(compiled.info(), st)) imports.push_back(std::move(w));
  auto vm = worker_.instantiate(compiled, std::move(imports), budget.left());
  if (!vm) return std::unexpected(budget.timed_out(std::move(vm.error())));
  st.vm = std::move(*vm);
  Instance& inst = *st.vm;

  Val version;
  if (auto r = inst.call(inst.find_export("hookd_abi_version"), {}, &version, budget.left()); !r) {
    return std::unexpected(budget.timed_out(std::move(r.error())));
  }
  if (version.i32 != HOOKD_ABI_VERSION) {
    return fail(ErrorKind::kAbiMismatch, "plugin ABI " + std::to_string(version.i32) +
                                             ", host supports " + std::to_string(HOOKD_ABI_VERSION));
  }
  if (int init = inst.find_export("_initialize"); init >= 0) {
    if (auto r = inst.call(init, {}, nullptr, budget.left()); !r) {
      return std::unexpected(budget.timed_out(std::move(r.error())));
    }
  }
  st.initializing = true;
  st.registered.clear();
  st.init_error.clear();
  st.begin_call(kNoContext);  // init may use host functions too: the same bounds
  auto init = inst.call(inst.find_export("hookd_init"), {}, nullptr, budget.left());
  st.end_call();
  st.initializing = false;
  if (!init) return std::unexpected(budget.timed_out(std::move(init.error())));
  if (!st.init_error.empty()) return fail(ErrorKind::kInvalidModule, "hookd_init: " + st.init_error);
  if (!module_->functions().empty() && st.registered != module_->functions()) {
    return fail(ErrorKind::kInstantiate, "plugin registered different functions than at load");
  }

  Val frame;
  if (auto r = inst.call(inst.find_export("hookd_frame"), {}, &frame, budget.left()); !r) {
    return std::unexpected(budget.timed_out(std::move(r.error())));
  }
  if (!guest_span(inst.memory(), frame.i32, HOOKD_FRAME_SIZE)) {
    return fail(ErrorKind::kProtocol, "hookd_frame returned an address outside memory");
  }
  st.frame_ptr = static_cast<uint32_t>(frame.i32);
  st.ex_call = inst.find_export("hookd_call");
  st.ex_input = inst.find_export("hookd_input");
  st.input_ptr = 0;
  st.input_capacity = 0;
  st.input_len = 0;
  st.pending.clear();
  st.poisoned = false;
  return {};
}

Result<std::span<const uint8_t>> PluginInstance::call(std::string_view fn,
                                                      std::span<const uint8_t> input,
                                                      const CallContext& ctx) {
  const FunctionInfo* info = module_->find_function(fn);
  if (info == nullptr) {
    return fail(ErrorKind::kNotFound, "plugin " + module_->name() + " has no function " + std::string(fn));
  }
  return call(*info, input, ctx);
}

Result<std::span<const uint8_t>> PluginInstance::call(const FunctionInfo& fn,
                                                      std::span<const uint8_t> input,
                                                      const CallContext& ctx) {
  State& st = *state_;
  const PluginLimits& limits = module_->options().limits;
  if (input.size() > limits.max_input_bytes) {
    return fail(ErrorKind::kInvalidArgument, "input of " + std::to_string(input.size()) +
                                                 " bytes exceeds the plugin's limit of " +
                                                 std::to_string(limits.max_input_bytes));
  }
  if (auto r = recover(); !r) return std::unexpected(r.error());
  Instance& inst = *st.vm;
  const auto deadline = std::chrono::duration_cast<std::chrono::nanoseconds>(limits.deadline);
  st.begin_call(ctx);

  // A failed call leaves the instance in an unknown state: replace it.
  auto poison = [&st](Error e) -> std::unexpected<Error> {
    if (e.kind != ErrorKind::kPluginError) st.poisoned = true;
    st.end_call();
    return std::unexpected(std::move(e));
  };

  if (input.size() > st.input_capacity) {
    st.input_len = 0;  // a new buffer: nothing of ours to clear in it
    Val args[1] = {Val::I32(static_cast<int32_t>(input.size()))};
    Val ptr;
    if (auto r = inst.call(st.ex_input, args, &ptr, deadline); !r) return poison(r.error());
    if (ptr.i32 == 0 || !guest_span(inst.memory(), ptr.i32, static_cast<int32_t>(input.size()))) {
      return poison(Error{ErrorKind::kProtocol,
                          "plugin could not provide an input buffer of " + std::to_string(input.size()) + " bytes"});
    }
    st.input_ptr = static_cast<uint32_t>(ptr.i32);
    st.input_capacity = static_cast<uint32_t>(input.size());
  }
  auto dst = guest_span(inst.memory(), static_cast<int32_t>(st.input_ptr), static_cast<int32_t>(input.size()));
  if (!dst) return poison(Error{ErrorKind::kProtocol, "plugin input buffer out of bounds"});
  if (!input.empty()) std::memcpy(dst->data(), input.data(), input.size());
  if (st.input_len > input.size()) {
    // The buffer still holds the tail of a longer, earlier input: zero it.
    auto tail = guest_span(inst.memory(), static_cast<int32_t>(st.input_ptr + input.size()),
                           static_cast<int32_t>(st.input_len - input.size()));
    if (tail) std::memset(tail->data(), 0, tail->size());
  }
  st.input_len = static_cast<uint32_t>(input.size());

  Val args[3] = {Val::I32(fn.id), Val::I32(static_cast<int32_t>(st.input_ptr)),
                 Val::I32(static_cast<int32_t>(input.size()))};
  Val rc;
  if (auto r = inst.call(st.ex_call, args, &rc, deadline); !r) return poison(r.error());
  st.end_call();

  std::span<uint8_t> mem = inst.memory();  // re-read: the call may have grown it
  const int32_t frame = static_cast<int32_t>(st.frame_ptr);
  auto out_ptr = guest_load_u32(mem, frame + HOOKD_FRAME_OUT_PTR);
  auto out_len = guest_load_u32(mem, frame + HOOKD_FRAME_OUT_LEN);
  auto status = guest_load_u32(mem, frame + HOOKD_FRAME_STATUS);
  auto out = guest_span(mem, static_cast<int32_t>(*out_ptr), static_cast<int32_t>(*out_len));
  if (!out) {
    return poison(Error{ErrorKind::kProtocol, "plugin output (" + std::to_string(*out_len) + " bytes at " +
                                                  std::to_string(*out_ptr) + ") is out of bounds"});
  }
  if (rc.i32 == HOOKD_OK) return std::span<const uint8_t>(*out);
  if (rc.i32 == HOOKD_ERROR) {
    const int s = (*status >= 400 && *status <= 599) ? static_cast<int>(*status) : 0;
    return std::unexpected(Error{ErrorKind::kPluginError,
                                 std::string(reinterpret_cast<const char*>(out->data()), out->size()), s});
  }
  return poison(Error{ErrorKind::kProtocol, "hookd_call returned unknown result code " + std::to_string(rc.i32)});
}

bool PluginInstance::poisoned() const { return state_->poisoned; }

Result<void> PluginInstance::recover() {
  if (!state_->poisoned) return {};
  ++replacements_;
  return start();
}

uint64_t PluginInstance::memory_size() const {
  return state_->vm ? state_->vm->memory().size() : 0;
}

Instance::ImportCalls PluginInstance::import_calls() const {
  return state_->vm ? state_->vm->import_calls() : Instance::ImportCalls{};
}

}  // namespace hookd::engine
