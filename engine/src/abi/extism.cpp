// The Extism guest ABI: detection, shape, init and the call protocol. The
// kernel (extism:host/env) is in extism_kernel.cpp, hookd's services
// (extism:host/user) in extism_user.cpp, the memory blocks in
// extism_memory.cpp.
//
// A call: every block of the last call is freed, the input is copied into a
// fresh block, the exported `() -> i32` function runs, and its output is the
// range it gave output_set (empty when none). A non-zero result, or an
// error_set block, is a plugin error whose message is the error block's text.
#include "abi/extism_state.hpp"

namespace hookd::engine::abi {
namespace {

constexpr size_t kMaxFunctionName = 128;
constexpr size_t kMaxFunctions = 1024;
constexpr size_t kMaxErrorBytes = 64u << 10;

bool callable_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxFunctionName) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// Every exported `() -> i32` function with a name hookd can route to.
bool is_plugin_function(const ExportInfo& e) {
  static const FuncType kType{{}, {ValType::kI32}};
  return e.kind == ExternKind::kFunc && e.type == kType && callable_name(e.name);
}

class ExtismInstance final : public AbiInstance {
 public:
  explicit ExtismInstance(PluginInstance::State& st) : s_(st) {}

  std::vector<ImportFunc> imports(const ModuleInfo&) override {
    std::vector<ImportFunc> all = extism_kernel_imports(s_);
    for (auto& f : extism_user_imports(s_)) all.push_back(std::move(f));
    return all;
  }

  Result<void> start(Instance& vm, const InitBudget& budget, std::vector<FunctionInfo>& functions) override {
    const PluginLimits& limits = s_.st.module->options().limits;
    s_.memory.set_cap(static_cast<uint64_t>(limits.max_memory_pages) * 65536);
    s_.begin_call();
    s_.st.begin_call(CallContext{});  // a reactor's constructors may log, read config ...
    auto init = budget.run(vm, vm.find_export("_initialize"));
    s_.st.end_call();
    if (!init) return init;
    exports_.clear();
    for (const ExportInfo& e : s_.st.module->compiled().info().exports) {
      if (!is_plugin_function(e) || functions.size() >= kMaxFunctions) continue;
      functions.push_back(
          FunctionInfo{e.name, static_cast<int32_t>(functions.size()), Format::kBytes, Format::kBytes});
      exports_.push_back(vm.find_export(e.name));
    }
    return {};
  }

  Result<std::span<const uint8_t>> call(Instance& vm, const FunctionInfo& fn, std::span<const uint8_t> input,
                                        std::chrono::nanoseconds timeout) override {
    if (fn.id < 0 || static_cast<size_t>(fn.id) >= exports_.size()) {
      return fail(ErrorKind::kNotFound, "no function " + fn.name);
    }
    s_.begin_call();
    if (!input.empty()) {
      std::string why;
      s_.input_offset = s_.memory.alloc_bytes(input, &why);
      if (s_.input_offset == 0) return fail(ErrorKind::kInvalidArgument, "input: " + why);
      s_.input_length = input.size();
    }
    Val rc;
    auto r = vm.call(exports_[static_cast<size_t>(fn.id)], {}, &rc, timeout);
    if (!r) {
      // An AssemblyScript abort, a Rust panic ...: the PDK often sets the
      // error before it traps; it says more than the trap.
      if (auto message = error_text(); !message.empty())
        r.error().message += " (plugin error: " + message + ")";
      if (!s_.note.empty()) r.error().message += " (" + s_.note + ")";
      return std::unexpected(std::move(r.error()));
    }
    if (rc.i32 != 0 || s_.error_offset != 0) {
      std::string message = error_text();
      if (message.empty()) message = "function " + fn.name + " returned " + std::to_string(rc.i32);
      if (!s_.note.empty()) message += " (" + s_.note + ")";
      return fail(ErrorKind::kPluginError, std::move(message));
    }
    if (s_.output_length == 0) return std::span<const uint8_t>();
    auto out = s_.memory.bytes(s_.output_offset, s_.output_length);
    if (!out) {
      return fail(ErrorKind::kProtocol, "plugin output (" + std::to_string(s_.output_length) +
                                            " bytes at offset " + std::to_string(s_.output_offset) +
                                            ") was freed before the call ended");
    }
    return std::span<const uint8_t>(*out);
  }

 private:
  std::string error_text() {
    if (s_.error_offset == 0) return {};
    auto b = s_.memory.block(s_.error_offset);
    if (!b) return {};
    return std::string(reinterpret_cast<const char*>(b->data()), std::min(b->size(), kMaxErrorBytes));
  }

  ExtismState s_;
  std::vector<int> exports_;  // by FunctionInfo::id
};

class ExtismAbi final : public GuestAbi {
 public:
  [[nodiscard]] Abi id() const override { return Abi::kExtism; }

  [[nodiscard]] bool recognises(const ModuleInfo& info, std::string& missing) const override {
    for (const ImportInfo& imp : info.imports) {
      if (imp.module == "extism:host/env" || imp.module == "extism:host/user") return true;
    }
    missing = "no import from extism:host/env";
    return false;
  }

  [[nodiscard]] Result<void> check(const ModuleInfo& info) const override {
    for (const ImportInfo& imp : info.imports) {
      const bool ok = (imp.module == "extism:host/env" && is_extism_kernel_import(imp.name)) ||
                      (imp.module == "extism:host/user" && is_extism_user_import(imp.name)) ||
                      imp.module == "wasi_snapshot_preview1";
      if (!ok) {
        return fail(ErrorKind::kLink, "Extism plugin imports " + imp.module + "." + imp.name +
                                          ", which hookd does not provide");
      }
    }
    return {};
  }

  std::unique_ptr<AbiInstance> create(PluginInstance::State& st) const override {
    return std::make_unique<ExtismInstance>(st);
  }
};

}  // namespace

const GuestAbi& extism_abi() {
  static const ExtismAbi abi;
  return abi;
}

}  // namespace hookd::engine::abi
