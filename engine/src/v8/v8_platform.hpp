// Process-wide V8 state. V8 allows exactly one platform per process, so this
// is the one singleton hookd has; everything else is owned explicitly.
#pragma once

#include <v8.h>

#include <string_view>

namespace hookd::engine::v8impl {

// Initialises V8 on first use, applying `extra_flags` then. Returns whether
// the wasm trap handler (guard-region bounds checks) is active.
bool ensure_v8_initialized(std::string_view extra_flags);

// Logs V8's fatal and out-of-memory errors before V8 aborts the process, so
// an abort that slipped past the heap limit leaves a line saying why.
void install_fatal_error_handlers(v8::Isolate* isolate);

}  // namespace hookd::engine::v8impl
