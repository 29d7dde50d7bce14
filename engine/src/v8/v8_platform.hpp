// Process-wide V8 state. V8 allows exactly one platform per process, so this
// is the one singleton hookd has; everything else is owned explicitly.
#pragma once

#include <v8.h>

#include <string_view>

#include "hookd/engine/vm.hpp"

namespace hookd::engine::v8impl {

// The V8 flags of a compile tier (engine_flags and HOOKD_V8_FLAGS follow).
std::string_view compile_tier_flags(CompileTier tier);

// Initialises V8 on first use with the flags of `tier`, then `extra_flags`,
// then HOOKD_V8_FLAGS (later flags win). V8's flags are process-wide, so a
// later call asking for another tier only logs a warning. Returns whether
// the wasm trap handler (guard-region bounds checks) is active.
bool ensure_v8_initialized(CompileTier tier, std::string_view extra_flags);

// Logs V8's fatal and out-of-memory errors before V8 aborts the process, so
// an abort that slipped past the heap limit leaves a line saying why.
void install_fatal_error_handlers(v8::Isolate* isolate);

}  // namespace hookd::engine::v8impl
