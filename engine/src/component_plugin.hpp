// A wasi:http component as a plugin (Abi::kWasiHttp): what PluginModule
// keeps of it (the WASI host its plan is linked against, the plan, the
// handler's export) and how PluginInstance instantiates it and serves one
// request with it. The core-module ABIs go through abi/guest_abi.hpp
// instead: a component is many core modules linked by a plan, not one.
#pragma once

#include <chrono>
#include <memory>
#include <span>
#include <string>

#include "abi/guest_abi.hpp"
#include "hookd/engine/plugin.hpp"
#include "plugin_state.hpp"

namespace hookd::engine {

namespace component {
struct ComponentPlan;
namespace wasi {
class WasiHost;
}
}  // namespace component

struct ComponentParts {
  ComponentParts();
  ~ComponentParts();
  ComponentParts(const ComponentParts&) = delete;
  ComponentParts& operator=(const ComponentParts&) = delete;

  // Declared before the plan, which points into it.
  std::unique_ptr<const component::wasi::WasiHost> host;
  std::shared_ptr<const component::ComponentPlan> plan;
  std::string handler;  // "wasi:http/incoming-handler@0.2.10#handle"
  bool one_request_per_instance = false;
};

// The one function a wasi:http component offers: its incoming handler.
inline constexpr std::string_view kWasiHttpFunction = "handle";

// Loads `wasm` (a component) with `options` (defaults already filled in):
// recognises the proxy world, builds the WASI host over the plugin's
// sinks, random source and host functions, and loads the plan under the
// plugin's memory cap. `module` is the PluginModule being built: the host
// finds the plugin's host functions through it, and it owns the result.
Result<std::shared_ptr<const ComponentParts>> load_component_parts(Vm& vm, std::span<const uint8_t> wasm,
                                                                   const PluginModule& module);

// (Re)instantiates the component in `worker` under `budget`.
Result<void> start_component(PluginInstance::State& st, Worker& worker, const ComponentParts& parts,
                             const abi::InitBudget& budget);

// Serves the running call (st.call_ctx: its request and response sink) with
// the handler, the request body being `input`. The response's status and
// headers go to the call's sink; its body is returned, valid until the next
// call.
Result<std::span<const uint8_t>> call_component(PluginInstance::State& st, const ComponentParts& parts,
                                                std::span<const uint8_t> input,
                                                std::chrono::nanoseconds timeout);

}  // namespace hookd::engine
