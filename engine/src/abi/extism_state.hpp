// One Extism plugin instance's kernel state: its memory blocks, the current
// call's input, output and error, its vars, and the last HTTP response. It
// lives as long as the PluginInstance, so vars survive calls (and the
// replacement of a faulty instance), as in Extism's runtimes.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "abi/extism_memory.hpp"
#include "plugin_state.hpp"

namespace hookd::engine::abi {

struct ExtismState {
  explicit ExtismState(PluginInstance::State& s) : st(s) {}

  PluginInstance::State& st;
  ExtismMemory memory;

  // The current call.
  uint64_t input_offset = 0;
  uint64_t input_length = 0;
  uint64_t output_offset = 0;
  uint64_t output_length = 0;
  uint64_t error_offset = 0;
  // Why the kernel refused something the plugin asked for (an alloc past
  // the cap ...): added to the call's error if the call then fails.
  std::string note;

  // Vars: per instance, at most max_var_bytes of keys and values in all.
  std::map<std::string, std::vector<uint8_t>, std::less<>> vars;
  uint64_t var_bytes = 0;

  // The last http_request's response.
  int32_t http_status = 0;
  std::string http_headers_json;

  // A host function's result, reused across calls.
  std::vector<uint8_t> scratch;

  // Called at the start of every call: frees every block and forgets the
  // last call's output and error.
  void begin_call();
};

// The `extism:host/env` kernel functions (extism_kernel.cpp) and hookd's
// services as `extism:host/user` functions (extism_user.cpp), for the
// imports of `info`.
std::vector<ImportFunc> extism_kernel_imports(ExtismState& state);
std::vector<ImportFunc> extism_user_imports(ExtismState& state);
// Whether hookd provides module.name (for the load-time check).
bool is_extism_kernel_import(std::string_view name);
bool is_extism_user_import(std::string_view name);

}  // namespace hookd::engine::abi
