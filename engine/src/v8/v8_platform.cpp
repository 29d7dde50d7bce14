#include "v8_platform.hpp"

#include <libplatform/libplatform.h>
#include <spdlog/spdlog.h>
#include <v8.h>

#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>

namespace hookd::engine::v8impl {

bool ensure_v8_initialized(std::string_view extra_flags) {
  static std::once_flag once;
  static bool trap_handler = false;
  std::call_once(once, [&] {
    // Plugins are compiled once and called many times: compile everything
    // with the optimising tier up front instead of tiering up under load.
    // --turbo-fast-api-calls lets guest code call hot host imports directly.
    std::string flags = "--no-liftoff --no-wasm-lazy-compilation --turbo-fast-api-calls ";
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
