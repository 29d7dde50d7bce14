// What the engine's tests and benchmarks may see beyond the engine-neutral
// interface (vm.hpp, plugin.hpp): counters that prove how a call ran. Not a
// public header (engine/src); the server never includes it.
#pragma once

#include <cstdint>

#include "hookd/engine/plugin.hpp"
#include "hookd/engine/vm.hpp"

namespace hookd::engine {

// How guest code reached host imports so far.
struct ImportCalls {
  uint64_t direct = 0;    // straight from guest code (hot imports)
  uint64_t callback = 0;  // through the engine's generic callback path
};

// The counts of an instance made by this engine's V8 VM (zeros for any other
// Instance, such as a test's fake).
ImportCalls import_calls(const Instance& instance);

struct PluginInstanceInternals {
  // The counts of the plugin's current underlying instance.
  static ImportCalls import_calls(const PluginInstance& plugin);
};

}  // namespace hookd::engine
