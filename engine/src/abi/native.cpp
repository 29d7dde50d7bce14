// hookd's own guest ABI (docs/abi.md): detection, shape, init and the call
// protocol. The imports are in hookd_imports.cpp.
#include "abi/native.hpp"

#include <hookd/abi.h>

#include <cstring>

#include "hookd/engine/guest_memory.hpp"

namespace hookd::engine::abi {
namespace {

struct RequiredExport {
  const char* name;
  FuncType type;
};

class NativeInstance final : public AbiInstance {
 public:
  explicit NativeInstance(PluginInstance::State& st) : st_(st) {}

  std::vector<ImportFunc> imports(const ModuleInfo&) override { return hookd_imports(st_, registration_); }

  Result<void> start(Instance& inst, const InitBudget& budget,
                     std::vector<FunctionInfo>& functions) override {
    Val version;
    if (auto r = budget.run(inst, inst.find_export("hookd_abi_version"), &version); !r) return r;
    if (version.i32 != HOOKD_ABI_VERSION) {
      return fail(ErrorKind::kAbiMismatch, "plugin ABI " + std::to_string(version.i32) + ", host supports " +
                                               std::to_string(HOOKD_ABI_VERSION));
    }
    if (auto r = budget.run(inst, inst.find_export("_initialize")); !r) return r;
    registration_.initializing = true;
    registration_.functions.clear();
    registration_.error.clear();
    st_.begin_call(CallContext{});  // init may use host functions too: the same bounds
    auto init = budget.run(inst, inst.find_export("hookd_init"));
    st_.end_call();
    registration_.initializing = false;
    if (!init) return init;
    if (!registration_.error.empty())
      return fail(ErrorKind::kInvalidModule, "hookd_init: " + registration_.error);
    functions = std::move(registration_.functions);

    Val frame;
    if (auto r = budget.run(inst, inst.find_export("hookd_frame"), &frame); !r) return r;
    if (!guest_span(inst.memory(), frame.i32, HOOKD_FRAME_SIZE)) {
      return fail(ErrorKind::kProtocol, "hookd_frame returned an address outside memory");
    }
    frame_ptr_ = static_cast<uint32_t>(frame.i32);
    ex_call_ = inst.find_export("hookd_call");
    ex_input_ = inst.find_export("hookd_input");
    input_ptr_ = 0;
    input_capacity_ = 0;
    input_len_ = 0;
    return {};
  }

  Result<std::span<const uint8_t>> call(Instance& inst, const FunctionInfo& fn,
                                        std::span<const uint8_t> input,
                                        std::chrono::nanoseconds deadline) override {
    if (input.size() > input_capacity_) {
      input_len_ = 0;  // a new buffer: nothing of ours to clear in it
      Val args[1] = {Val::I32(static_cast<int32_t>(input.size()))};
      Val ptr;
      if (auto r = inst.call(ex_input_, args, &ptr, deadline); !r)
        return std::unexpected(std::move(r.error()));
      if (ptr.i32 == 0 || !guest_span(inst.memory(), ptr.i32, static_cast<int32_t>(input.size()))) {
        return fail(ErrorKind::kProtocol,
                    "plugin could not provide an input buffer of " + std::to_string(input.size()) + " bytes");
      }
      input_ptr_ = static_cast<uint32_t>(ptr.i32);
      input_capacity_ = static_cast<uint32_t>(input.size());
    }
    auto dst =
        guest_span(inst.memory(), static_cast<int32_t>(input_ptr_), static_cast<int32_t>(input.size()));
    if (!dst) return fail(ErrorKind::kProtocol, "plugin input buffer out of bounds");
    if (!input.empty()) std::memcpy(dst->data(), input.data(), input.size());
    if (input_len_ > input.size()) {
      // The buffer still holds the tail of a longer, earlier input: zero it.
      auto tail = guest_span(inst.memory(), static_cast<int32_t>(input_ptr_ + input.size()),
                             static_cast<int32_t>(input_len_ - input.size()));
      if (tail) std::memset(tail->data(), 0, tail->size());
    }
    input_len_ = static_cast<uint32_t>(input.size());

    Val args[3] = {Val::I32(fn.id), Val::I32(static_cast<int32_t>(input_ptr_)),
                   Val::I32(static_cast<int32_t>(input.size()))};
    Val rc;
    if (auto r = inst.call(ex_call_, args, &rc, deadline); !r) return std::unexpected(std::move(r.error()));

    std::span<uint8_t> mem = inst.memory();  // re-read: the call may have grown it
    const int32_t frame = static_cast<int32_t>(frame_ptr_);
    auto out_ptr = guest_load_u32(mem, frame + HOOKD_FRAME_OUT_PTR);
    auto out_len = guest_load_u32(mem, frame + HOOKD_FRAME_OUT_LEN);
    auto status = guest_load_u32(mem, frame + HOOKD_FRAME_STATUS);
    auto out = guest_span(mem, static_cast<int32_t>(*out_ptr), static_cast<int32_t>(*out_len));
    if (!out) {
      return fail(ErrorKind::kProtocol, "plugin output (" + std::to_string(*out_len) + " bytes at " +
                                            std::to_string(*out_ptr) + ") is out of bounds");
    }
    if (rc.i32 == HOOKD_OK) return std::span<const uint8_t>(*out);
    if (rc.i32 == HOOKD_ERROR) {
      const int s = (*status >= 400 && *status <= 599) ? static_cast<int>(*status) : 0;
      return std::unexpected(Error{ErrorKind::kPluginError,
                                   std::string(reinterpret_cast<const char*>(out->data()), out->size()), s});
    }
    return fail(ErrorKind::kProtocol, "hookd_call returned unknown result code " + std::to_string(rc.i32));
  }

 private:
  PluginInstance::State& st_;
  NativeRegistration registration_;
  int ex_call_ = -1;
  int ex_input_ = -1;
  uint32_t frame_ptr_ = 0;
  uint32_t input_ptr_ = 0;
  uint32_t input_capacity_ = 0;
  // Length of the last input copied into the buffer: the next, shorter
  // input zeroes the rest, so no caller sees another's bytes.
  uint32_t input_len_ = 0;
};

class NativeAbi final : public GuestAbi {
 public:
  [[nodiscard]] Abi id() const override { return Abi::kNative; }

  [[nodiscard]] bool recognises(const ModuleInfo& info, std::string& missing) const override {
    if (info.find_export("hookd_abi_version") != nullptr) return true;
    missing = "missing export hookd_abi_version";
    return false;
  }

  [[nodiscard]] Result<void> check(const ModuleInfo& info) const override {
    const ValType I32 = ValType::kI32;
    const RequiredExport required[] = {
        {"hookd_abi_version", {{}, {I32}}},
        {"hookd_init", {{}, {}}},
        {"hookd_frame", {{}, {I32}}},
        {"hookd_input", {{I32}, {I32}}},
        {"hookd_call", {{I32, I32, I32}, {I32}}},
    };
    for (const auto& r : required) {
      const ExportInfo* e = info.find_export(r.name);
      if (e == nullptr || e->kind != ExternKind::kFunc) {
        return fail(ErrorKind::kInvalidModule, std::string("plugin lacks export ") + r.name);
      }
      if (!(e->type == r.type)) {
        return fail(ErrorKind::kInvalidModule, std::string("export ") + r.name + " has the wrong signature");
      }
    }
    const ExportInfo* mem = info.find_export("memory");
    if (mem == nullptr || mem->kind != ExternKind::kMemory) {
      return fail(ErrorKind::kInvalidModule, "plugin does not export its memory as \"memory\"");
    }
    for (const ImportInfo& imp : info.imports) {
      const bool ok = (imp.module == "hookd" && is_known_hookd_import(imp.name)) ||
                      imp.module == "wasi_snapshot_preview1";
      if (!ok) {
        return fail(ErrorKind::kLink,
                    "plugin imports " + imp.module + "." + imp.name + ", which hookd does not provide");
      }
    }
    return {};
  }

  std::unique_ptr<AbiInstance> create(PluginInstance::State& st) const override {
    return std::make_unique<NativeInstance>(st);
  }
};

}  // namespace

const GuestAbi& native_abi() {
  static const NativeAbi abi;
  return abi;
}

}  // namespace hookd::engine::abi
