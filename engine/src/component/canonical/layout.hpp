// The canonical ABI's layout rules: how a value type is laid out in linear
// memory (alignment, size, discriminants, flags) and flattened into core
// values, and how a function type becomes a core signature.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "component/canonical/value_type.hpp"
#include "hookd/engine/result.hpp"
#include "hookd/engine/wasm_binary.hpp"

namespace hookd::engine::canonical {

inline constexpr uint64_t align_to(uint64_t offset, uint32_t alignment) {
  return (offset + alignment - 1) / alignment * alignment;
}

// Bytes of the discriminant of a variant with `cases` cases: 1, 2 or 4.
uint32_t discriminant_size(size_t cases);

// The tightest core type that can carry both `a` and `b` (the variant join:
// i32 with f32 is i32, anything else that differs is i64).
ValType join(ValType a, ValType b);

// Fills `type`'s layout fields from its parts (already in `arena`). Fails
// when its size reaches 2^28 (the component model's validation bound).
Result<void> compute_layout(const TypeArena& arena, ValueType& type);

// Alignment and size of the tuple of `types`: how a spilled parameter list
// or result sits in memory.
struct TupleLayout {
  uint64_t size = 0;  // 64-bit: many parameters near 2^28 bytes each add up
  uint32_t align = 1;
};
TupleLayout tuple_layout(const TypeArena& arena, std::span<const TypeId> types);

// Number of core values `types` flatten to, capped at kMaxFlatParams + 1
// (more than that always spills).
uint32_t flat_count(const TypeArena& arena, std::span<const TypeId> types);
// Appends the flat core types of `types`; only valid when flat_count() is at
// most kMaxFlatParams.
void append_flat(const TypeArena& arena, std::span<const TypeId> types, std::vector<ValType>& out);

// Which side of the boundary the core function is on. kLift: the core
// function is the component's own export, lifted (the host calls it; a
// spilled result comes back as a pointer to memory the callee allocated).
// kLower: the core function is an import the component calls (the host
// implements it; a spilled result goes to memory the caller passes as a
// last, extra pointer parameter).
enum class Direction : uint8_t { kLift, kLower };

struct CoreSignature {
  FuncType core;
  // The parameters are one pointer to a tuple of them in memory.
  bool params_in_memory = false;
  // The results are in memory: kLift, the core result is a pointer to them;
  // kLower, the last core parameter is where to write them.
  bool results_in_memory = false;
};

CoreSignature flatten_function(const TypeArena& arena, const FunctionType& fn, Direction direction);

}  // namespace hookd::engine::canonical
