// Comparing and naming value types, for the linker: a component's import
// must have the type the host function was written for, and when it does
// not, the load error says what each side has.
#pragma once

#include <functional>
#include <string>

#include "component/canonical/value_type.hpp"

namespace hookd::engine::canonical {

// Whether two resource types (each in its own arena's numbering) are the
// same resource.
using SameResource = std::function<bool(ResourceTypeId a, ResourceTypeId b)>;

// Structural equality of `x` in `a` and `y` in `b`: the same kinds, the same
// field, case and flag names in the same order, equal parts, and resources
// that `same_resource` pairs (by default: equal ids).
bool same_type(const TypeArena& a, TypeId x, const TypeArena& b, TypeId y,
               const SameResource& same_resource = {});
bool same_function(const TypeArena& a, const FunctionType& x, const TypeArena& b, const FunctionType& y,
                   const SameResource& same_resource = {});

// WIT-like text of a type, e.g. `list<tuple<string, list<u8>>>`,
// `record { name: string, size: option<u32> }`, `own<#2>` (a resource by its
// id). Cut with "..." past `max_chars`, so a hostile type cannot make a huge
// error message.
std::string describe(const TypeArena& arena, TypeId type, size_t max_chars = 512);
std::string describe(const TypeArena& arena, const FunctionType& fn, size_t max_chars = 512);

}  // namespace hookd::engine::canonical
