// The seam between the engine and a guest ABI (hookd's own, Extism, waPC).
//
// An ABI is two objects. A GuestAbi is stateless and static: it recognises
// its modules at load and checks their shape, and it creates an AbiInstance
// for every PluginInstance. The AbiInstance lives exactly as long as its
// PluginInstance (across re-instantiations after a fault), so the import
// closures it hands out may point at it. It provides the ABI's imports,
// initialises a fresh instance (and names the plugin's functions), and runs
// one call: input bytes in, output bytes (or an Error) out.
//
// What every ABI gets without doing anything (plugin_instance.cpp,
// plugin_module.cpp): integrity, module limits and memory cap, compile once,
// the WASI imports, the instantiation deadline, the per-call deadline and
// input bound, the call context (CallContext deadline and result bound),
// and the replacement of an instance after any error other than
// kPluginError. How to add an ABI: README.md beside this file.
#pragma once

#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "hookd/engine/plugin.hpp"

namespace hookd::engine::abi {

// One deadline for a whole instantiation (start function, _initialize, the
// ABI's own init ...): each step gets what the earlier ones left.
class InitBudget {
 public:
  explicit InitBudget(std::chrono::milliseconds deadline);
  // Zero (no deadline) when the plugin has none; at least a tick otherwise,
  // so an exhausted budget still ends in a timeout.
  [[nodiscard]] std::chrono::nanoseconds left() const;
  // Restates a step's timeout as the whole instantiation's.
  [[nodiscard]] Error timed_out(Error e) const;
  // Runs export `index` (no arguments) under the budget; -1 is a no-op.
  Result<void> run(Instance& vm, int index, Val* result = nullptr) const;

 private:
  std::chrono::milliseconds total_;
  std::chrono::steady_clock::time_point end_;
};

class AbiInstance {
 public:
  virtual ~AbiInstance() = default;
  // The imports this ABI lends `info`'s module (not WASI: the engine adds
  // those). Called before every instantiation.
  virtual std::vector<ImportFunc> imports(const ModuleInfo& info) = 0;
  // Initialises a freshly instantiated guest (its start function has run)
  // and lists its functions in `functions` (the engine checks that a
  // replacement instance lists the same ones as the probe did at load).
  virtual Result<void> start(Instance& vm, const InitBudget& budget,
                             std::vector<FunctionInfo>& functions) = 0;
  // Runs `fn` on `input` under `timeout`. The output stays valid until the
  // next call. The engine has bounded the input and opened the call context
  // (PluginInstance::State::ctx); any error but kPluginError has the
  // instance replaced.
  virtual Result<std::span<const uint8_t>> call(Instance& vm, const FunctionInfo& fn,
                                                std::span<const uint8_t> input,
                                                std::chrono::nanoseconds timeout) = 0;
};

class GuestAbi {
 public:
  virtual ~GuestAbi() = default;
  [[nodiscard]] virtual Abi id() const = 0;
  // Whether the module was built for this ABI (its marker import or
  // export), and why not: "missing export hookd_abi_version".
  [[nodiscard]] virtual bool recognises(const ModuleInfo& info, std::string& missing) const = 0;
  // The full shape check of a recognised module (exports, signatures,
  // imports the host provides), before it is compiled.
  [[nodiscard]] virtual Result<void> check(const ModuleInfo& info) const = 0;
  virtual std::unique_ptr<AbiInstance> create(PluginInstance::State& state) const = 0;
};

// The adapter of the ABI `info`'s module was built for, or an error naming
// every ABI and what the module lacks for each.
Result<const GuestAbi*> detect(const ModuleInfo& info);

// Gives the functions an adapter listed the formats the embedder declared
// (PluginOptions::function_formats; function_formats.cpp).
Result<void> apply_function_formats(Abi abi, const std::vector<FunctionInfo>& formats,
                                    std::vector<FunctionInfo>& functions);

const GuestAbi& native_abi();  // native.cpp
const GuestAbi& extism_abi();  // extism.cpp
const GuestAbi& wapc_abi();    // wapc.cpp

}  // namespace hookd::engine::abi
