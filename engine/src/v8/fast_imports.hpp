// Hot host imports called from guest code through V8's fast API path.
//
// A fast function carries no per-instance data, so the functions are shared
// by every instance of a worker, one per (signature, slot); each instance
// binds its hot imports to slots 0, 1, ... and the function finds the
// instance through the thread's CallingScope. V8 compiles a wrapper for
// every fast import at every instantiation (about 135 us, and the code lives
// as long as the compiled module), so only imports marked hot use it and a
// module gets fast imports for a bounded number of instantiations.
#pragma once

#include <v8.h>

#include <cstddef>

#include "hookd/engine/vm.hpp"

namespace hookd::engine::v8impl {

class V8Instance;
class V8Worker;

constexpr size_t kFastSlots = 16;    // hot imports per instance
constexpr size_t kMaxFastArity = 8;  // i32 parameters

// Whether the engine can reach `type` directly: only i32 parameters (at most
// kMaxFastArity) and an i32 result or none, or one of the few signatures
// with i64 that Extism's kernel uses ((i64) -> i64, (i64, i64) -> () ...).
bool fast_import_supported(const FuncType& type);

// True when this V8 build lets guest code call C++ directly.
bool fast_calls_available();

// The shared function for `slot` of `type` in `worker`'s context.
v8::MaybeLocal<v8::Function> fast_import_function(V8Worker& worker, const FuncType& type, size_t slot);

// The instance running guest code on this thread (null outside calls).
V8Instance* calling_instance();

// Marks `instance` as the one running guest code on this thread.
class CallingScope {
 public:
  explicit CallingScope(V8Instance* instance);
  ~CallingScope();
  CallingScope(const CallingScope&) = delete;
  CallingScope& operator=(const CallingScope&) = delete;

 private:
  V8Instance* previous_;
};

}  // namespace hookd::engine::v8impl
