// Short names for the wasm value types, for the tables of host imports that
// spell out signatures ({I32, I64} -> {I32}). One definition, so that files
// batched into one translation unit (unity builds) do not define them twice.
#pragma once

#include "hookd/engine/vm.hpp"

namespace hookd::engine::shorthand {

inline constexpr ValType I32 = ValType::kI32;
inline constexpr ValType I64 = ValType::kI64;

}  // namespace hookd::engine::shorthand
