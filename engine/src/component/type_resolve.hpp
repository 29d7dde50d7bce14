// Type resolution for the component loader (component_plan.cpp): each type
// definition of a component, and of the instance types its imports declare,
// becomes an entry of a TypePool: a value type in the plan's canonical
// TypeArena, a resource type, a function type over those, or an instance
// type kept for its import to be matched against the host.
//
// The loader resolves the type indices a definition names (Lookup) and
// makes the resource types a component defines itself (DefineResource, which
// checks the destructor against the core instance exporting it); the pool
// turns the definition into canonical types. Errors: kInvalidModule, for
// types hookd does not support (streams, futures, maps, error-context) and
// indices naming a type of another kind.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "component/canonical/value_type.hpp"
#include "component/component_model.hpp"
#include "hookd/engine/result.hpp"

namespace hookd::engine::component::loader {

inline std::unexpected<Error> invalid(std::string message) {
  return fail(ErrorKind::kInvalidModule, "component: " + std::move(message));
}

struct Scope;  // a component the loader walks (component_plan.cpp)

struct TypeEntry {
  enum class Kind : uint8_t { kValue, kResource, kFunc, kInstanceType, kComponentType };
  Kind kind = Kind::kValue;
  canonical::TypeId value = 0;
  canonical::ResourceTypeId resource = 0;
  canonical::FunctionType func;
  const InstanceType* instance_type = nullptr;
  Scope* scope = nullptr;  // where instance_type's outer aliases point
};

// A type index of the definition's index space -> its entry in the pool.
using Lookup = std::function<Result<uint32_t>(uint32_t)>;
// The resource type the component defines with `(resource ...)`.
using DefineResource = std::function<Result<canonical::ResourceTypeId>(const ResourceType&)>;

class TypePool {
 public:
  explicit TypePool(canonical::TypeArena& arena) : arena_(arena) {}

  // Defines `def` (in `scope`, where an instance type's outer aliases
  // point); the new entry's id.
  Result<uint32_t> define(Scope& scope, const TypeDef& def, const Lookup& lookup,
                          const DefineResource& define_resource);
  uint32_t add(TypeEntry e);
  // Valid until the next define() or add(): the pool grows.
  const TypeEntry& operator[](uint32_t id) const { return entries_[id]; }

 private:
  Result<canonical::TypeId> value_type(const ValType& v, const Lookup& lookup);
  Result<canonical::TypeId> prim(PrimValType p);
  Result<std::optional<canonical::TypeId>> opt_type(const std::optional<ValType>& v, const Lookup& lookup);
  Result<canonical::ResourceTypeId> resource_of(uint32_t index, const Lookup& lookup);
  Result<uint32_t> value_entry(Result<canonical::TypeId> id);

  canonical::TypeArena& arena_;
  std::vector<TypeEntry> entries_;
};

}  // namespace hookd::engine::component::loader
