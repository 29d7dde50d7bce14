// Per-instance state shared by PluginInstance and the host imports it lends
// the plugin (hookd.* and WASI). It outlives re-instantiation, so the import
// closures that point at it stay valid when a faulty instance is replaced.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "hookd/engine/plugin.hpp"

namespace hookd::engine {

struct PluginInstance::State {
  const PluginModule* module = nullptr;
  std::unique_ptr<Instance> vm;
  const CallContext* ctx = nullptr;
  // The running call's context with the engine's fields (deadline, result
  // bound) filled in; `ctx` points here during a call.
  CallContext call_ctx;

  // During hookd_init only.
  bool initializing = false;
  std::vector<FunctionInfo> registered;
  std::string init_error;  // first registration the host refused

  // Result of the last hookd.host_call, until host_result takes it. Never
  // larger than the plugin's memory; trimmed after a large call (end_call).
  std::vector<uint8_t> pending;

  // Host functions resolved by the guest address of their name. The PDK
  // passes the same constant string every time, so a hit costs one compare
  // of the name's bytes instead of hashing it.
  struct ResolvedHostName {
    uint32_t ptr = 0;
    const HostFunction* fn = nullptr;
  };
  std::array<ResolvedHostName, 16> resolved{};
  const HostFunction* resolve_host_function(uint32_t ptr, std::string_view name);

  // Starts a call (or init) under `outer`: the deadline and the result
  // bound come from the plugin's limits.
  void begin_call(const CallContext& outer);
  // Ends it: forgets the context and gives back scratch memory a large call
  // left behind, so an idle instance holds at most kKeepScratchBytes.
  void end_call();

  int ex_call = -1;
  int ex_input = -1;
  uint32_t frame_ptr = 0;
  uint32_t input_ptr = 0;
  uint32_t input_capacity = 0;
  // Length of the last input copied into the buffer: the next, shorter
  // input zeroes the rest, so no caller sees another's bytes.
  uint32_t input_len = 0;
  bool poisoned = false;
};

// Scratch buffers above this are freed when a call ends.
inline constexpr size_t kKeepScratchBytes = 64u << 10;
// Longest plugin log message passed on (longer ones are cut and marked).
inline constexpr size_t kMaxLogMessageBytes = 16u << 10;

// The `hookd` import namespace.
std::vector<ImportFunc> hookd_imports(PluginInstance::State& state);
// The `wasi_snapshot_preview1` namespace, covering every WASI function the
// module imports (unknown ones answer ENOSYS/EBADF).
std::vector<ImportFunc> wasi_imports(const ModuleInfo& info, PluginInstance::State& state);

// Names of the hookd imports a plugin may use, for load-time validation.
bool is_known_hookd_import(std::string_view name);

}  // namespace hookd::engine
