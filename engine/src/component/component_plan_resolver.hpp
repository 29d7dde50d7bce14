// The loader's walk of a component (component_plan.cpp): the Resolver and
// the pools its index spaces resolve into. Its parts are in three files:
// component_plan.cpp (index spaces, types, component instances, pools),
// component_plan_imports.cpp (imported interfaces matched against hookd's
// host) and component_plan_core.cpp (canon definitions, core modules and
// instances, exports). Internal to the engine.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "component/canonical/type_match.hpp"
#include "component/component_parse.hpp"
#include "component/component_plan.hpp"
#include "component/type_resolve.hpp"

namespace hookd::engine::component::loader {

using canonical::FunctionType;
using canonical::ResourceTypeId;

// A resolved definition of one sort: an id in that sort's pool.
struct Item {
  Sort sort = Sort::kFunc;
  uint32_t id = 0;
};

// A component being walked: the outermost, or a nested one with the
// arguments it is instantiated with.
struct Scope {
  const Component* comp = nullptr;
  Scope* parent = nullptr;
  std::map<std::string, Item, std::less<>> args;  // a nested component's instantiation
  std::array<std::vector<std::optional<uint32_t>>, kSortCount> memo;

  [[nodiscard]] bool top() const { return parent == nullptr; }
};

inline constexpr int kMaxResolveDepth = 200;

struct LiftDef {
  CoreRef func;
  FunctionType type;
  CanonOptions options;
};

struct FuncEntry {
  bool lifted = false;
  // Host functions.
  const HostFunction* host = nullptr;
  std::string label;
  FunctionType type;
  // Lifted functions: the core func and options (into Resolver::lifts).
  uint32_t lift = 0;
};

struct InstanceEntry {
  std::map<std::string, Item, std::less<>> exports;
};

struct CoreItem {
  enum class Kind : uint8_t { kRef, kLowered, kBuiltin };
  Kind kind = Kind::kRef;
  CoreRef ref;
  uint32_t index = 0;
};

struct CoreInstanceEntry {
  bool real = false;
  uint32_t plan = 0;                                    // real: into core_instances
  std::map<std::string, CoreItem, std::less<>> bundle;  // inline exports
};

struct CompiledCoreModule {
  uint32_t plan = 0;  // into ComponentPlan::modules
  ModuleInfo info;
};

// `text` (canonical::describe) with each resource number "#7" replaced by
// what `name` calls it, when it knows.
std::string name_resources(std::string_view text, const std::function<std::string(uint32_t)>& name);
// Whether `version` is `prefix` or a version under it ("0.2" covers "0.2.10").
bool is_version_of(std::string_view version, std::string_view prefix);

class Resolver {
 public:
  Resolver(Vm& vm, const HostInterfaces& host, const ComponentLoadOptions& options, ComponentPlan& plan,
           std::span<const uint8_t> bytes)
      : vm_(vm), host_(host), options_(options), plan_(plan), bytes_(bytes) {}
  // Walks `comp` into the plan: its imports first (every one the host lacks
  // reported at once), then every definition, then its exports.
  Result<void> run(const Component& comp);

 private:
  Result<void> report() const;
  Scope& new_scope(const Component& comp, Scope* parent);

  // Index spaces
  Result<uint32_t> resolve(Scope& s, Sort sort, uint32_t index, int depth);
  Result<uint32_t> define(Scope& s, Sort sort, uint32_t index, int depth);
  Result<uint32_t> define_import(Scope& s, Sort sort, const Import& imp, int depth);
  Result<uint32_t> define_alias(Scope& s, Sort sort, const Alias& a, int depth);
  Result<uint32_t> placeholder(Sort sort, const std::string& name);

  // Types
  Result<uint32_t> define_type(Scope& s, const TypeDef& def, const Lookup& lookup);
  // A resource type of the component's own, with its destructor checked.
  Result<ResourceTypeId> define_resource(Scope& s, const ResourceType& t);

  // Imported interfaces
  // The instance type and the scope its outer aliases point into, not the
  // TypeEntry holding them: defining the type's own types adds to types_,
  // which may move that entry.
  Result<uint32_t> import_instance(const ExternName& name, const InstanceType& instance_type, Scope& scope,
                                   int depth);
  Result<void> import_export(const ExternName& iname, const HostInterface* iface, const ExternDecl& x,
                             const Lookup& lookup, std::vector<uint32_t>& local, InstanceEntry& inst);
  canonical::SameResource same_resource() const;

  // Component instances
  Result<uint32_t> define_instance(Scope& s, const Instance& inst, int depth);

  // Canon definitions
  Result<std::optional<CoreRef>> option_ref(Scope& s, Sort sort, std::optional<uint32_t> index, int depth);
  Result<uint32_t> define_canon(Scope& s, const Canon& c, int depth);

  // Core modules and instances
  Result<uint32_t> compile_module(const CoreModule& m);
  static engine::FuncType builtin_type(BuiltinOp op);
  Result<uint32_t> define_core_instance(Scope& s, const CoreInstance& ci, int depth);

  // Checks of core exports against what the canonical ABI needs
  Result<void> check_core_export(const CoreRef& ref, engine::ExternKind kind, const engine::FuncType* type,
                                 const std::string& what);
  Result<void> check_options(const std::optional<CoreRef>& memory, const std::optional<CoreRef>& realloc,
                             const std::string& what);

  // Exports
  Result<void> add_export(const std::string& name, const FuncEntry& f);
  Result<void> exports(Scope& top);

  // Pools
  uint32_t add_func(FuncEntry e);
  uint32_t add_instance(InstanceEntry e);
  uint32_t add_core(CoreItem e);
  ResourceTypeId add_resource(std::string name, const HostResource* host, bool guest);

  Vm& vm_;
  const HostInterfaces& host_;
  const ComponentLoadOptions& options_;
  ComponentPlan& plan_;
  std::span<const uint8_t> bytes_;

  std::deque<Scope> scopes_;
  loader::TypePool types_{plan_.types};
  std::vector<FuncEntry> funcs_;
  std::vector<InstanceEntry> instances_;
  std::vector<CoreItem> core_;  // core funcs, memories, tables, globals
  std::vector<CoreInstanceEntry> core_instances_;
  std::vector<CompiledCoreModule> modules_;
  std::vector<const Component*> components_;
  std::vector<LiftDef> lifts_;
  std::vector<std::string> problems_;
  int active_ = 0;                                             // resolve() calls on the stack
  std::map<ResourceTypeId, std::string> host_resource_names_;  // for messages
};

}  // namespace hookd::engine::component::loader
