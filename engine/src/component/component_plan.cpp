// Loading a component: the symbolic walk of its index spaces that
// component_plan.hpp describes. Every index resolves once (memoised), to an
// entry in one of the Resolver's pools (types: type_resolve.hpp);
// references only point backwards (the parser checked each index against
// its space), so the walk is a DAG and a depth bound keeps a hostile chain
// of aliases off the stack.
#include <utility>

#include "component/component_plan_resolver.hpp"

namespace hookd::engine::component::loader {

// ---- Setup -----------------------------------------------------------------

Result<void> Resolver::run(const Component& comp) {
  Scope& top = new_scope(comp, nullptr);
  // The imports first: what the host lacks is reported before anything
  // is compiled.
  for (Sort sort : {Sort::kType, Sort::kInstance, Sort::kFunc}) {
    for (uint32_t i = 0; i < comp.spaces.size(sort); ++i) {
      if (comp.spaces.at(sort, i).origin != Origin::kImport) continue;
      if (auto r = resolve(top, sort, i, 0); !r) return std::unexpected(r.error());
    }
  }
  if (auto r = report(); !r) return r;
  // Core instances first, in binary order: that is the order they are
  // instantiated in. Then everything else, so that every import and every
  // canon is checked even when nothing uses it.
  for (Sort sort : {Sort::kCoreInstance, Sort::kType, Sort::kInstance, Sort::kFunc, Sort::kCoreFunc,
                    Sort::kCoreMemory, Sort::kCoreTable, Sort::kCoreGlobal}) {
    for (uint32_t i = 0; i < comp.spaces.size(sort); ++i) {
      if (auto r = resolve(top, sort, i, 0); !r) return std::unexpected(r.error());
    }
  }
  if (auto r = report(); !r) return r;
  return exports(top);
}

Result<void> Resolver::report() const {
  if (problems_.empty()) return {};
  std::string msg = "component needs what hookd does not provide:";
  for (const auto& p : problems_) msg += "\n  " + p;
  return fail(ErrorKind::kLink, std::move(msg));
}

Scope& Resolver::new_scope(const Component& comp, Scope* parent) {
  auto& s = scopes_.emplace_back();
  s.comp = &comp;
  s.parent = parent;
  for (size_t i = 0; i < kSortCount; ++i) s.memo[i].resize(comp.spaces.entries[i].size());
  return s;
}

// ---- Index spaces ----------------------------------------------------------

Result<uint32_t> Resolver::resolve(Scope& s, Sort sort, uint32_t index, int depth) {
  // `depth` counts along one path; `active_` every resolve on the stack
  // (some paths start again from 0: canon options, resource destructors).
  if (depth > kMaxResolveDepth || active_ > kMaxResolveDepth) {
    return invalid("definitions nested deeper than hookd follows");
  }
  if (index >= s.comp->spaces.size(sort))
    return invalid(std::string(sort_name(sort)) + " index out of range");
  auto& memo = s.memo[static_cast<size_t>(sort)][index];
  if (memo) return *memo;
  ++active_;
  auto id = define(s, sort, index, depth + 1);
  --active_;
  if (!id) return std::unexpected(id.error());
  memo = *id;
  return *id;
}

Result<uint32_t> Resolver::define(Scope& s, Sort sort, uint32_t index, int depth) {
  const IndexEntry& e = s.comp->spaces.at(sort, index);
  const Component& c = *s.comp;
  const bool core = sort <= Sort::kCoreInstance;
  if (core && !s.top()) return invalid("core definitions inside a nested component are not supported");
  switch (e.origin) {
    case Origin::kImport:
      return define_import(s, sort, c.imports[e.item], depth);
    case Origin::kExport: {
      const Export& x = c.exports[e.item];
      return resolve(s, sort, x.index, depth);
    }
    case Origin::kAlias:
      return define_alias(s, sort, c.aliases[e.item], depth);
    case Origin::kType:
      return define_type(s, c.types[e.item], [&](uint32_t i) { return resolve(s, Sort::kType, i, depth); });
    case Origin::kCanon:
      return define_canon(s, c.canons[e.item], depth);
    case Origin::kCoreModule:
      return compile_module(c.core_modules[e.item]);
    case Origin::kCoreInstance:
      return define_core_instance(s, c.core_instances[e.item], depth);
    case Origin::kComponent:
      components_.push_back(&c.components[e.item]);
      return static_cast<uint32_t>(components_.size() - 1);
    case Origin::kInstance:
      return define_instance(s, c.instances[e.item], depth);
    case Origin::kCoreType:
      return 0;  // core types only describe; nothing refers to them at run time
    case Origin::kStart:
      return invalid("component start functions are not supported");
  }
  return invalid("unknown definition");
}

Result<uint32_t> Resolver::define_import(Scope& s, Sort sort, const Import& imp, int depth) {
  if (!s.top()) {
    auto it = s.args.find(imp.name.text);
    if (it != s.args.end()) {
      if (it->second.sort != sort)
        return invalid("nested component argument " + imp.name.text + " has another sort");
      return it->second.id;
    }
    if (sort == Sort::kType && imp.type.kind == ExternKind::kType && !imp.type.sub_resource) {
      return resolve(s, Sort::kType, imp.type.index, depth);
    }
    return invalid("nested component import " + imp.name.text + " has no argument");
  }
  if (sort == Sort::kInstance) {
    auto t = resolve(s, Sort::kType, imp.type.index, depth);
    if (!t) return std::unexpected(t.error());
    if (types_[*t].kind != TypeEntry::Kind::kInstanceType)
      return invalid("instance import " + imp.name.text + " without an instance type");
    return import_instance(imp.name, *types_[*t].instance_type, *types_[*t].scope, depth);
  }
  problems_.push_back("import " + std::string(extern_kind_name(imp.type.kind)) + " " + imp.name.text +
                      " (hookd provides interfaces only)");
  // A placeholder so the walk goes on and reports every problem.
  if (sort == Sort::kType)
    return types_.add(TypeEntry{.kind = TypeEntry::Kind::kResource,
                                .resource = add_resource(imp.name.text, nullptr, false)});
  if (sort == Sort::kFunc) return add_func(FuncEntry{.label = imp.name.text});
  if (sort == Sort::kInstance) return add_instance({});
  return invalid("import " + imp.name.text + " of an unsupported kind");
}

Result<uint32_t> Resolver::define_alias(Scope& s, Sort sort, const Alias& a, int depth) {
  switch (a.kind) {
    case Alias::Kind::kOuter: {
      Scope* target = &s;
      for (uint32_t i = 0; i < a.outer_count && target; ++i) target = target->parent;
      if (!target) return invalid("outer alias past the outermost component");
      return resolve(*target, sort, a.outer_index, depth);
    }
    case Alias::Kind::kInstanceExport: {
      auto inst = resolve(s, Sort::kInstance, a.instance, depth);
      if (!inst) return std::unexpected(inst.error());
      const auto& ex = instances_[*inst].exports;
      auto it = ex.find(a.name);
      if (it == ex.end()) {
        // An instance made of placeholders (a missing import): stay quiet,
        // the import is already reported.
        if (ex.empty()) return placeholder(sort, a.name);
        return invalid("alias of " + a.name + ", which the instance does not export");
      }
      if (it->second.sort != sort) return invalid("alias of " + a.name + " as another sort");
      return it->second.id;
    }
    case Alias::Kind::kCoreInstanceExport: {
      auto inst = resolve(s, Sort::kCoreInstance, a.instance, depth);
      if (!inst) return std::unexpected(inst.error());
      const CoreInstanceEntry& ci = core_instances_[*inst];
      if (ci.real) return add_core(CoreItem{.kind = CoreItem::Kind::kRef, .ref = {ci.plan, a.name}});
      auto it = ci.bundle.find(a.name);
      if (it == ci.bundle.end())
        return invalid("core alias of " + a.name + ", which the instance does not export");
      return add_core(it->second);
    }
  }
  return invalid("unknown alias");
}

Result<uint32_t> Resolver::placeholder(Sort sort, const std::string& name) {
  if (sort == Sort::kType)
    return types_.add(
        TypeEntry{.kind = TypeEntry::Kind::kResource, .resource = add_resource(name, nullptr, false)});
  if (sort == Sort::kFunc) return add_func(FuncEntry{.label = name});
  if (sort == Sort::kInstance) return add_instance({});
  return invalid("alias of " + name + " from a missing import");
}

// ---- Types -----------------------------------------------------------------

Result<uint32_t> Resolver::define_type(Scope& s, const TypeDef& def, const Lookup& lookup) {
  return types_.define(s, def, lookup, [&](const ResourceType& t) { return define_resource(s, t); });
}

// A resource type of the component's own, with its destructor checked.
Result<ResourceTypeId> Resolver::define_resource(Scope& s, const ResourceType& t) {
  if (!s.top()) return invalid("resource types defined in a nested component are not supported");
  std::optional<CoreRef> dtor;
  if (t.dtor) {
    auto d = resolve(s, Sort::kCoreFunc, *t.dtor, 0);
    if (!d) return std::unexpected(d.error());
    if (core_[*d].kind != CoreItem::Kind::kRef)
      return invalid("a resource destructor that is not a core export");
    dtor = core_[*d].ref;
    const engine::FuncType dtor_type{{engine::ValType::kI32}, {}};
    if (auto r = check_core_export(*dtor, engine::ExternKind::kFunc, &dtor_type, "resource destructor"); !r) {
      return std::unexpected(r.error());
    }
  }
  auto rt = add_resource("guest-resource-" + std::to_string(plan_.resources.size()), nullptr, true);
  plan_.resources[rt].destructor = std::move(dtor);
  return rt;
}

// ---- Component instances ---------------------------------------------------

Result<uint32_t> Resolver::define_instance(Scope& s, const Instance& inst, int depth) {
  InstanceEntry out;
  if (inst.kind == Instance::Kind::kFromExports) {
    for (const auto& x : inst.exports) {
      auto id = resolve(s, x.sort, x.index, depth);
      if (!id) return std::unexpected(id.error());
      out.exports[x.name.text] = Item{x.sort, *id};
    }
    return add_instance(std::move(out));
  }
  auto c = resolve(s, Sort::kComponent, inst.component, depth);
  if (!c) return std::unexpected(c.error());
  Scope& child = new_scope(*components_[*c], &s);
  for (const auto& a : inst.args) {
    auto id = resolve(s, a.sort, a.index, depth);
    if (!id) return std::unexpected(id.error());
    child.args[a.name] = Item{a.sort, *id};
  }
  for (const auto& x : child.comp->exports) {
    auto id = resolve(child, x.sort, x.index, depth);
    if (!id) return std::unexpected(id.error());
    out.exports[x.name.text] = Item{x.sort, *id};
  }
  return add_instance(std::move(out));
}

// ---- Pools -----------------------------------------------------------------

uint32_t Resolver::add_func(FuncEntry e) {
  funcs_.push_back(std::move(e));
  return static_cast<uint32_t>(funcs_.size() - 1);
}

uint32_t Resolver::add_instance(InstanceEntry e) {
  instances_.push_back(std::move(e));
  return static_cast<uint32_t>(instances_.size() - 1);
}

uint32_t Resolver::add_core(CoreItem e) {
  core_.push_back(std::move(e));
  return static_cast<uint32_t>(core_.size() - 1);
}

ResourceTypeId Resolver::add_resource(std::string name, const HostResource* host, bool guest) {
  plan_.resources.push_back(
      ResourcePlan{.name = std::move(name), .host = host, .implemented_by_guest = guest});
  return static_cast<ResourceTypeId>(plan_.resources.size() - 1);
}

}  // namespace hookd::engine::component::loader

namespace hookd::engine::component {

const LiftedFunction* ComponentPlan::find_export(std::string_view name) const {
  auto it = export_index.find(name);
  return it == export_index.end() ? nullptr : &exports[it->second];
}

Result<std::shared_ptr<const ComponentPlan>> load_component(Vm& vm, std::span<const uint8_t> bytes,
                                                            const HostInterfaces& host,
                                                            const ComponentLoadOptions& options) {
  auto comp = parse_component(bytes);
  if (!comp) return std::unexpected(comp.error());
  auto plan = std::make_shared<ComponentPlan>();
  loader::Resolver resolver(vm, host, options, *plan, bytes);
  if (auto r = resolver.run(*comp); !r) return std::unexpected(r.error());
  return plan;
}

}  // namespace hookd::engine::component
