#include "v8_platform.hpp"

#include <libplatform/libplatform.h>
#include <spdlog/spdlog.h>
#include <v8.h>

#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>

namespace hookd::engine::v8impl {

std::string_view compile_tier_flags(CompileTier tier) {
  switch (tier) {
    case CompileTier::kOptimized:
      // Every function by TurboFan before the module is published.
      return "--no-liftoff --no-wasm-lazy-compilation";
    case CompileTier::kTiered:
      break;
  }
  // Liftoff code for every function up front (no call waits for a compile),
  // then every function recompiled by TurboFan on V8's background threads,
  // each switched to as it is ready (a 1 MiB module: about 0.5 s of CPU after
  // the module is published, the same work "optimized" does before it).
  // Not --wasm-dynamic-tiering (only functions that ran enough are tiered
  // up): in V8 10.2 Liftoff code built for it has no interrupt check in loop
  // headers (only when a loop's tier-up budget runs out), so a short loop
  // around a costly instruction (table.grow in HeapLimit.* of engine_tests)
  // ignores TerminateExecution: it outlives its deadline, or its engine heap
  // limit and aborts the process (docs/benchmarks.md, "Compile tiers").
  return "--liftoff --wasm-tier-up --no-wasm-dynamic-tiering --no-wasm-lazy-compilation";
}

bool ensure_v8_initialized(CompileTier tier, std::string_view extra_flags) {
  static std::once_flag once;
  static bool trap_handler = false;
  static CompileTier applied = CompileTier::kTiered;
  std::call_once(once, [&] {
    applied = tier;
    // --turbo-fast-api-calls lets guest code call hot host imports directly.
    std::string flags(compile_tier_flags(tier));
    flags += " --turbo-fast-api-calls ";
    flags += extra_flags;
    // For profiling and diagnosis only (e.g. --perf-basic-prof so `perf`
    // can name JIT code); documented in docs/benchmarks.md.
    if (const char* env = std::getenv("HOOKD_V8_FLAGS")) {
      flags += ' ';
      flags += env;
    }
    v8::V8::SetFlagsFromString(flags.c_str(), flags.size());
    trap_handler = v8::V8::EnableWebAssemblyTrapHandler(true);
    // Deliberately leaked: V8 must outlive every isolate, including ones
    // destroyed during static destruction.
    static std::unique_ptr<v8::Platform> platform = v8::platform::NewDefaultPlatform();
    v8::V8::InitializePlatform(platform.get());
    v8::V8::Initialize();
  });
  if (tier != applied) {
    spdlog::warn(
        "engine: compile = \"{}\" asked for after the engine started with \"{}\"; the engine's "
        "flags are process-wide, so \"{}\" stays",
        to_string(tier), to_string(applied), to_string(applied));
  }
  return trap_handler;
}

namespace {

void on_fatal_error(const char* location, const char* message) {
  spdlog::critical("V8 fatal error in {}: {}", location ? location : "?", message ? message : "?");
  spdlog::default_logger()->flush();
}

void on_oom_error(const char* location, bool is_heap_oom) {
  spdlog::critical("V8 out of memory in {} ({})", location ? location : "?",
                   is_heap_oom ? "engine heap" : "process memory");
  spdlog::default_logger()->flush();
}

}  // namespace

void install_fatal_error_handlers(v8::Isolate* isolate) {
  isolate->SetFatalErrorHandler(on_fatal_error);
  isolate->SetOOMErrorHandler(on_oom_error);
}

}  // namespace hookd::engine::v8impl
