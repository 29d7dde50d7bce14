// A component, loaded once: its types resolved into one canonical TypeArena,
// its imports matched against the host's interfaces, its core modules
// compiled, and the recipe every worker follows to instantiate it
// (component_instance.hpp).
//
// Loading walks the component's definitions and resolves each index space
// symbolically: a core func is an export of a core instance, a lowered host
// function or a resource built-in; a core instance is one to instantiate or a
// bundle of such items; a component func is a lifted core func or a host
// function; a nested component instance (what `component new` emits to
// re-export an interface) is resolved with its arguments, so its exports
// are the outer component's own functions and types again.
//
// What is refused at load, with one error: imports hookd does not provide
// (every one listed), imported functions whose type differs from the host's
// (both described), string encodings other than UTF-8, a lowered function
// without the memory or realloc it needs, core imports nothing satisfies,
// and shapes `component new` does not emit (core modules inside nested
// components, imported components, component start functions).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "component/canonical/layout.hpp"
#include "component/canonical/value_type.hpp"
#include "component/host_interface.hpp"
#include "hookd/engine/result.hpp"
#include "hookd/engine/vm.hpp"
#include "hookd/engine/wasm_binary.hpp"

namespace hookd::engine::component {

// An export of one of the instance's core instances (an index into
// ComponentPlan::core_instances), by name.
struct CoreRef {
  uint32_t instance = 0;
  std::string name;
};

// A host function the guest calls (`canon lower`).
struct LoweredFunction {
  const HostFunction* host = nullptr;
  std::string label;             // "wasi:http/types@0.2.10#[constructor]fields"
  canonical::FunctionType type;  // in ComponentPlan::types
  canonical::CoreSignature signature;
  std::optional<CoreRef> memory;
  std::optional<CoreRef> realloc;
};

enum class BuiltinOp : uint8_t { kResourceNew, kResourceDrop, kResourceRep };
struct Builtin {
  BuiltinOp op = BuiltinOp::kResourceDrop;
  canonical::ResourceTypeId resource = 0;
};

// What a core instance's import is linked to.
struct CoreImportLink {
  enum class Kind : uint8_t { kExtern, kLowered, kBuiltin };
  Kind kind = Kind::kExtern;
  std::string module;
  std::string name;
  CoreRef from;           // kExtern
  uint32_t index = 0;     // kLowered: into lowered; kBuiltin: into builtins
  engine::FuncType type;  // kLowered, kBuiltin: the core signature
};

// One core module instantiation, in the order they run.
struct CoreInstancePlan {
  uint32_t module = 0;  // into ComponentPlan::modules
  std::vector<CoreImportLink> imports;
};

// A function the component exports (`canon lift`).
struct LiftedFunction {
  std::string name;  // "greet", "wasi:http/incoming-handler@0.2.10#handle"
  CoreRef func;
  canonical::FunctionType type;
  canonical::CoreSignature signature;
  std::optional<CoreRef> memory;
  std::optional<CoreRef> realloc;
  std::optional<CoreRef> post_return;
};

// A resource type of the component, in HandleTable registration order.
struct ResourcePlan {
  std::string name;                    // "wasi:http/types@0.2.10#fields", or the guest's own
  const HostResource* host = nullptr;  // imported: the host's resource
  bool implemented_by_guest = false;
  std::optional<CoreRef> destructor;  // a guest resource's dtor
};

struct ComponentLoadOptions {
  uint64_t max_memory_pages = 256;  // cap of each core module's own memory
  ModuleLimits module_limits;
};

struct ComponentPlan {
  canonical::TypeArena types;
  std::vector<ResourcePlan> resources;
  std::vector<std::shared_ptr<const CompiledModule>> modules;
  std::vector<CoreInstancePlan> core_instances;
  std::vector<LoweredFunction> lowered;
  std::vector<Builtin> builtins;
  std::vector<LiftedFunction> exports;
  std::map<std::string, uint32_t, std::less<>> export_index;  // name -> exports

  [[nodiscard]] const LiftedFunction* find_export(std::string_view name) const;
};

// Loads a component binary. `host` must outlive the plan (the plan points at
// its functions and resources).
Result<std::shared_ptr<const ComponentPlan>> load_component(Vm& vm, std::span<const uint8_t> bytes,
                                                            const HostInterfaces& host,
                                                            const ComponentLoadOptions& options = {});

}  // namespace hookd::engine::component
