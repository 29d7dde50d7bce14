// hookd's own guest ABI (docs/abi.md): the `hookd` imports, hookd_init's
// function registration and the hookd_call frame protocol.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "abi/guest_abi.hpp"
#include "plugin_state.hpp"

namespace hookd::engine::abi {

// What hookd.register_function collects while hookd_init runs.
struct NativeRegistration {
  bool initializing = false;
  std::vector<FunctionInfo> functions;
  std::string error;  // first registration the host refused
};

}  // namespace hookd::engine::abi

namespace hookd::engine {

// The `hookd` import namespace (hookd_imports.cpp).
std::vector<ImportFunc> hookd_imports(PluginInstance::State& state, abi::NativeRegistration& registration);
// Names of the hookd imports a plugin may use, for load-time validation.
bool is_known_hookd_import(std::string_view name);

}  // namespace hookd::engine
