// What the files of engine_benchmark share (defined in engine_benchmark.cpp):
// the Vm options every benchmark runs with, and the count of host heap
// allocations a counting operator new keeps.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>

#include "hookd/engine/vm.hpp"

namespace hookd::bench {

// HOOKD_ENGINE_COMPILE's tier (tests/support/engine_options.hpp); the
// embedder's default Vm is configured with the same.
const engine::VmOptions& vm_options();

// operator new calls so far, in the whole process.
uint64_t allocations();

// Sets the counter allocs_per_call: allocations since `before` per iteration.
void report_allocations(benchmark::State& state, uint64_t before);

}  // namespace hookd::bench
