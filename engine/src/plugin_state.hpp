// Per-instance state shared by PluginInstance, its guest ABI adapter and the
// host imports it lends the plugin (the ABI's and WASI). It outlives
// re-instantiation, so the import closures that point at it stay valid when
// a faulty instance is replaced.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "abi/guest_abi.hpp"
#include "hookd/engine/plugin.hpp"

namespace hookd::engine {

namespace component {
class ComponentInstance;
}

struct PluginInstance::State {
  State();
  ~State();
  State(const State&) = delete;
  State& operator=(const State&) = delete;

  const PluginModule* module = nullptr;
  std::unique_ptr<Instance> vm;
  // A wasi:http component (component_plugin.hpp) instead of `vm` and
  // `guest`; `output` holds the body of its last response.
  std::unique_ptr<component::ComponentInstance> component;
  std::vector<uint8_t> output;
  const CallContext* ctx = nullptr;
  // The running call's context with the engine's fields (deadline, result
  // bound) filled in; `ctx` points here during a call.
  CallContext call_ctx;

  // The guest ABI's side of this instance (abi/guest_abi.hpp).
  std::unique_ptr<abi::AbiInstance> guest;
  // The functions the probe instance found at load (PluginModule::load).
  std::vector<FunctionInfo> probed;

  // Result of the last hookd.host_call, until host_result takes it. Never
  // larger than the plugin's memory; trimmed after a large call (end_call).
  std::vector<uint8_t> pending;

  // The running call's request headers as host functions look them up
  // (CallContext::header_index); emptied when a call begins.
  HeaderIndex header_index;

  // Host functions resolved by the guest address of their name. The PDK
  // passes the same constant string every time, so a hit costs one compare
  // of the name's bytes instead of hashing it.
  struct ResolvedHostName {
    uint32_t ptr = 0;
    const HostFunction* fn = nullptr;
  };
  std::array<ResolvedHostName, 16> resolved{};
  const HostFunction* resolve_host_function(uint32_t ptr, std::string_view name);

  // Runs a host function for the guest (any ABI) in the running call's
  // context; no result larger than the plugin's memory is kept (a larger
  // one becomes an error and `out` is freed). Built-ins check that bound
  // before they allocate; this catches the others.
  Result<void> run_host_function(const HostFunction& fn, std::span<const uint8_t> input,
                                 std::vector<uint8_t>& out);
  // A plugin's log message (any ABI), cut at kMaxLogMessageBytes.
  void log(LogLevel level, std::string_view message);

  // Starts a call (or init) under `outer`: the deadline and the result
  // bound come from the plugin's limits.
  void begin_call(const CallContext& outer);
  // Ends it: forgets the context and gives back scratch memory a large call
  // left behind, so an idle instance holds at most kKeepScratchBytes.
  void end_call();

  bool poisoned = false;
  // A component that serves one request per instance has served it: the
  // instance is replaced before the next call (not counted as a fault).
  bool spent = false;
};

// Scratch buffers above this are freed when a call ends.
inline constexpr size_t kKeepScratchBytes = 64u << 10;
// Longest plugin log message passed on (longer ones are cut and marked).
inline constexpr size_t kMaxLogMessageBytes = 16u << 10;

// The `wasi_snapshot_preview1` namespace, covering every WASI function the
// module imports (unknown ones answer ENOSYS/EBADF).
std::vector<ImportFunc> wasi_imports(const ModuleInfo& info, PluginInstance::State& state);

}  // namespace hookd::engine
