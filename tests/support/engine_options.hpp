// The engine options benchmarks run with: HOOKD_ENGINE_COMPILE, the variable
// the gateway reads for engine.compile, selects the compile tier ("tiered" or
// "optimized"; unset: the engine's default), so one command measures either:
//
//   HOOKD_ENGINE_COMPILE=optimized build/tests/bench/engine_benchmark
//
// HOOKD_ENGINE_FLAGS passes engine flags through (VmOptions::engine_flags),
// for experiments: HOOKD_ENGINE_FLAGS=--stress-compaction ...
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "hookd/engine/vm.hpp"

namespace hookd::test {

inline engine::VmOptions vm_options_from_env() {
  engine::VmOptions options;
  if (const char* flags = std::getenv("HOOKD_ENGINE_FLAGS")) options.engine_flags = flags;
  const char* env = std::getenv("HOOKD_ENGINE_COMPILE");
  if (env == nullptr) return options;
  const std::string_view tier(env);
  if (tier == "tiered") {
    options.compile = engine::CompileTier::kTiered;
  } else if (tier == "optimized") {
    options.compile = engine::CompileTier::kOptimized;
  } else {
    std::fprintf(stderr, "HOOKD_ENGINE_COMPILE: expected one of tiered|optimized, got \"%s\"\n", env);
    std::exit(2);
  }
  return options;
}

}  // namespace hookd::test
