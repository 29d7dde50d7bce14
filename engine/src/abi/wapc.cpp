// The waPC guest ABI (docs/abi.md, "waPC plugins"): the host calls
// __guest_call(op_len, payload_len); the guest fetches the operation name and
// payload with __guest_request and answers with __guest_response or
// __guest_error. Guests reach hookd's services with __host_call
// (wapc_host_calls.cpp). waPC has no list of operations in the module, so a
// plugin's functions are the ones its embedder declares
// (PluginOptions::declared_functions, a plugin's `functions` setting).
#include "abi/wapc.hpp"

#include <cstring>
#include <string>

#include "abi/wapc_host_calls.hpp"
#include "hookd/engine/guest_memory.hpp"
#include "plugin_state.hpp"
#include "val_shorthand.hpp"

namespace hookd::engine::abi {
namespace {

using shorthand::I32;
constexpr size_t kMaxOperationName = 256;
const CallContext kNoWapcContext{};

struct WapcImport {
  const char* name;
  FuncType type;
};

const WapcImport kImports[] = {
    {"__guest_request", {{I32, I32}, {}}}, {"__guest_response", {{I32, I32}, {}}},
    {"__guest_error", {{I32, I32}, {}}},   {"__host_call", {{I32, I32, I32, I32, I32, I32, I32, I32}, {I32}}},
    {"__host_response_len", {{}, {I32}}},  {"__host_response", {{I32}, {}}},
    {"__host_error_len", {{}, {I32}}},     {"__host_error", {{I32}, {}}},
    {"__console_log", {{I32, I32}, {}}},
};

const WapcImport* find_import(std::string_view name) {
  for (const auto& i : kImports) {
    if (name == i.name) return &i;
  }
  return nullptr;
}

std::unexpected<Error> out_of_bounds(std::string_view import, std::string_view what) {
  return fail(ErrorKind::kTrap, "wapc." + std::string(import) + ": " + std::string(what) + " out of bounds");
}

class WapcInstance final : public AbiInstance {
 public:
  explicit WapcInstance(PluginInstance::State& st) : st_(st) {}

  std::vector<ImportFunc> imports(const ModuleInfo& info) override {
    std::vector<ImportFunc> out;
    for (const ImportInfo& imp : info.imports) {
      if (imp.module != "wapc") continue;
      const WapcImport* known = find_import(imp.name);
      if (known == nullptr) continue;  // check() refused the module already
      bool dup = false;
      for (const auto& o : out) dup = dup || o.name == imp.name;
      if (!dup)
        out.push_back(ImportFunc{"wapc", known->name, known->type, host_func(imp.name), /*hot=*/true});
    }
    return out;
  }

  Result<void> start(Instance& inst, const InitBudget& budget,
                     std::vector<FunctionInfo>& functions) override {
    in_call_ = false;
    clear_host_result();
    // A reactor's constructor, a command's main (TinyGo and other guests
    // register their operations there; one that ends with proc_exit(0) has
    // simply finished) and waPC's own init, in that order, as waPC hosts do.
    st_.begin_call(CallContext{});  // init may use host calls too: the same bounds
    auto init = run_init(inst, budget);
    st_.end_call();
    if (!init) return init;

    ex_guest_call_ = inst.find_export("__guest_call");
    const auto& declared = st_.module->options().declared_functions;
    if (declared.empty()) {
      return fail(ErrorKind::kInvalidModule,
                  "a waPC plugin does not list its operations: declare them in the plugin's settings "
                  "(functions = [\"op\", ...])");
    }
    functions = declared;
    for (size_t i = 0; i < functions.size(); ++i) {
      if (functions[i].name.empty() || functions[i].name.size() > kMaxOperationName) {
        return fail(ErrorKind::kInvalidArgument, "a waPC operation name must be 1 to " +
                                                     std::to_string(kMaxOperationName) + " bytes long");
      }
      for (size_t j = 0; j < i; ++j) {
        if (functions[j].name == functions[i].name) {
          return fail(ErrorKind::kInvalidArgument,
                      "waPC operation \"" + functions[i].name + "\" declared twice");
        }
      }
      functions[i].id = static_cast<int32_t>(i);
    }
    return {};
  }

  Result<std::span<const uint8_t>> call(Instance& inst, const FunctionInfo& fn,
                                        std::span<const uint8_t> input,
                                        std::chrono::nanoseconds timeout) override {
    op_ = fn.name;
    payload_ = input;
    in_call_ = true;
    response_.clear();
    guest_error_.reset();
    clear_host_result();
    Val args[2] = {Val::I32(static_cast<int32_t>(fn.name.size())),
                   Val::I32(static_cast<int32_t>(input.size()))};
    Val rc;
    auto r = inst.call(ex_guest_call_, args, &rc, timeout);
    in_call_ = false;
    payload_ = {};
    trim();
    if (!r) {
      Error e = std::move(r.error());
      // An AssemblyScript abort reports its message with __guest_error, then traps.
      if (guest_error_) e.message += " (guest error: " + *guest_error_ + ")";
      return std::unexpected(std::move(e));
    }
    if (rc.i32 == 0) {
      return std::unexpected(Error{ErrorKind::kPluginError,
                                   guest_error_ ? *guest_error_ : "waPC operation " + fn.name + " failed"});
    }
    return std::span<const uint8_t>(response_);
  }

 private:
  Result<void> run_init(Instance& inst, const InitBudget& budget) {
    if (auto r = budget.run(inst, inst.find_export("_initialize")); !r) return r;
    if (auto r = budget.run(inst, inst.find_export("_start")); !r) {
      if (r.error().kind != ErrorKind::kTrap || r.error().message != "plugin exited with code 0") return r;
    }
    return budget.run(inst, inst.find_export("wapc_init"));
  }

  HostFunc host_func(std::string_view name) {
    if (name == "__guest_request") {
      return [this](Caller& c, std::span<const Val> a, Val*) -> Result<void> {
        if (!in_call_) return fail(ErrorKind::kTrap, "wapc.__guest_request: called outside __guest_call");
        std::span<uint8_t> mem = c.memory();
        auto op = guest_span(mem, a[0].i32, static_cast<int32_t>(op_.size()));
        auto payload = guest_span(mem, a[1].i32, static_cast<int32_t>(payload_.size()));
        if (!op) return out_of_bounds("__guest_request", "operation buffer");
        if (!payload) return out_of_bounds("__guest_request", "payload buffer");
        if (!op_.empty()) std::memmove(op->data(), op_.data(), op_.size());
        if (!payload_.empty()) std::memmove(payload->data(), payload_.data(), payload_.size());
        return {};
      };
    }
    if (name == "__guest_response") {
      // Copied now: guests free the buffer as soon as __guest_call returns.
      return [this](Caller& c, std::span<const Val> a, Val*) -> Result<void> {
        auto out = guest_span(c.memory(), a[0].i32, a[1].i32);
        if (!out) return out_of_bounds("__guest_response", "response");
        response_.assign(out->begin(), out->end());
        guest_error_.reset();
        return {};
      };
    }
    if (name == "__guest_error") {
      return [this](Caller& c, std::span<const Val> a, Val*) -> Result<void> {
        auto msg = guest_string(c.memory(), a[0].i32, a[1].i32);
        if (!msg) return out_of_bounds("__guest_error", "message");
        guest_error_ = std::string(msg->substr(0, kMaxLogMessageBytes));
        return {};
      };
    }
    if (name == "__host_call") {
      return [this](Caller& c, std::span<const Val> a, Val* r) -> Result<void> {
        std::span<uint8_t> mem = c.memory();
        auto ns = guest_string(mem, a[2].i32, a[3].i32);
        auto op = guest_string(mem, a[4].i32, a[5].i32);
        auto payload = guest_span(mem, a[6].i32, a[7].i32);
        if (!guest_span(mem, a[0].i32, a[1].i32)) return out_of_bounds("__host_call", "binding");
        if (!ns) return out_of_bounds("__host_call", "namespace");
        if (!op) return out_of_bounds("__host_call", "operation");
        if (!payload) return out_of_bounds("__host_call", "payload");
        clear_host_result();
        const CallContext& ctx = st_.ctx ? *st_.ctx : kNoWapcContext;
        auto res = wapc_host_call(*st_.module, ctx, *ns, *op, *payload, scratch_, host_response_);
        r->type = I32;
        if (res) {
          r->i32 = 1;
        } else {
          host_response_.clear();
          host_error_ = std::move(res.error().message);
          r->i32 = 0;
        }
        return {};
      };
    }
    if (name == "__host_response_len") {
      return [this](Caller&, std::span<const Val>, Val* r) -> Result<void> {
        *r = Val::I32(static_cast<int32_t>(host_response_.size()));
        return {};
      };
    }
    if (name == "__host_response") {
      return [this](Caller& c, std::span<const Val> a, Val*) -> Result<void> {
        return copy_out(c, a[0].i32, host_response_, "__host_response");
      };
    }
    if (name == "__host_error_len") {
      return [this](Caller&, std::span<const Val>, Val* r) -> Result<void> {
        *r = Val::I32(static_cast<int32_t>(host_error_.size()));
        return {};
      };
    }
    if (name == "__host_error") {
      return [this](Caller& c, std::span<const Val> a, Val*) -> Result<void> {
        return copy_out(c, a[0].i32,
                        std::span(reinterpret_cast<const uint8_t*>(host_error_.data()), host_error_.size()),
                        "__host_error");
      };
    }
    // __console_log: the plugin's logger at info, cut like hookd.log.
    return [this](Caller& c, std::span<const Val> a, Val*) -> Result<void> {
      auto msg = guest_string(c.memory(), a[0].i32, a[1].i32);
      if (!msg) return out_of_bounds("__console_log", "message");
      const auto& opts = st_.module->options();
      const CallContext& ctx = st_.ctx ? *st_.ctx : kNoWapcContext;
      if (msg->size() <= kMaxLogMessageBytes) {
        opts.logger(LogLevel::kInfo, opts.name, ctx, *msg);
      } else {
        std::string cut(msg->substr(0, kMaxLogMessageBytes));
        cut += " [" + std::to_string(msg->size() - kMaxLogMessageBytes) + " more bytes cut]";
        opts.logger(LogLevel::kInfo, opts.name, ctx, cut);
      }
      return {};
    };
  }

  static Result<void> copy_out(Caller& c, int32_t ptr, std::span<const uint8_t> data,
                               std::string_view import) {
    auto dst = guest_span(c.memory(), ptr, static_cast<int32_t>(data.size()));
    if (!dst) return out_of_bounds(import, "destination");
    if (!data.empty()) std::memcpy(dst->data(), data.data(), data.size());
    return {};
  }

  void clear_host_result() {
    host_response_.clear();
    host_error_.clear();
  }

  // Gives back what a large call left in the scratch buffers (the response
  // stays valid until the next call, so it is trimmed on the way in).
  void trim() {
    auto shrink = [](std::vector<uint8_t>& v) {
      if (v.capacity() > kKeepScratchBytes) std::vector<uint8_t>().swap(v);
    };
    shrink(scratch_.request);
    shrink(scratch_.reply);
    shrink(host_response_);
    if (host_error_.capacity() > kKeepScratchBytes) std::string().swap(host_error_);
    if (response_.size() <= kKeepScratchBytes && response_.capacity() > kKeepScratchBytes) {
      std::vector<uint8_t>(response_).swap(response_);
    }
  }

  PluginInstance::State& st_;
  int ex_guest_call_ = -1;
  // The running call: what __guest_request hands over.
  bool in_call_ = false;
  std::string_view op_;
  std::span<const uint8_t> payload_;
  // What the guest answered.
  std::vector<uint8_t> response_;
  std::optional<std::string> guest_error_;
  // The last host call's result, until the guest reads it.
  std::vector<uint8_t> host_response_;
  std::string host_error_;
  WapcHostScratch scratch_;
};

class WapcAbi final : public GuestAbi {
 public:
  [[nodiscard]] Abi id() const override { return Abi::kWapc; }

  [[nodiscard]] bool recognises(const ModuleInfo& info, std::string& missing) const override {
    if (info.find_export("__guest_call") != nullptr) return true;
    missing = "missing export __guest_call";
    return false;
  }

  [[nodiscard]] Result<void> check(const ModuleInfo& info) const override {
    const ExportInfo* call = info.find_export("__guest_call");
    if (call->kind != ExternKind::kFunc || !(call->type == FuncType{{I32, I32}, {I32}})) {
      return fail(ErrorKind::kInvalidModule, "export __guest_call must be a function (i32, i32) -> i32");
    }
    for (const char* init : {"_initialize", "_start", "wapc_init"}) {
      const ExportInfo* e = info.find_export(init);
      if (e != nullptr && (e->kind != ExternKind::kFunc || !(e->type == FuncType{{}, {}}))) {
        return fail(ErrorKind::kInvalidModule,
                    std::string("export ") + init + " must be a function () -> ()");
      }
    }
    const ExportInfo* mem = info.find_export("memory");
    if (mem == nullptr || mem->kind != ExternKind::kMemory) {
      return fail(ErrorKind::kInvalidModule, "plugin does not export its memory as \"memory\"");
    }
    for (const ImportInfo& imp : info.imports) {
      if (imp.module == "wasi_snapshot_preview1") continue;
      const WapcImport* known = imp.module == "wapc" ? find_import(imp.name) : nullptr;
      if (known == nullptr || imp.kind != ExternKind::kFunc) {
        return fail(ErrorKind::kLink, "plugin imports " + imp.module + "." + imp.name +
                                          ", which hookd does not provide to waPC plugins");
      }
      if (!(imp.type == known->type)) {
        return fail(ErrorKind::kLink,
                    "plugin imports wapc." + imp.name + " with a signature other than waPC's");
      }
    }
    return {};
  }

  std::unique_ptr<AbiInstance> create(PluginInstance::State& st) const override {
    return std::make_unique<WapcInstance>(st);
  }
};

}  // namespace

const GuestAbi& wapc_abi() {
  static const WapcAbi abi;
  return abi;
}

}  // namespace hookd::engine::abi
