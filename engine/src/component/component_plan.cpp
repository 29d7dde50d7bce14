// Loading a component: the symbolic walk of its index spaces that
// component_plan.hpp describes. Every index resolves once (memoised), to an
// entry in one of the Resolver's pools (types: type_resolve.hpp);
// references only point backwards (the parser checked each index against
// its space), so the walk is a DAG and a depth bound keeps a hostile chain
// of aliases off the stack.
#include "component/component_plan.hpp"

#include <array>
#include <deque>
#include <functional>
#include <utility>

#include "component/canonical/type_match.hpp"
#include "component/component_parse.hpp"
#include "component/type_resolve.hpp"

namespace hookd::engine::component {
namespace loader {

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

}  // namespace loader

namespace {

using canonical::FunctionType;
using canonical::ResourceTypeId;
using loader::invalid;
using loader::Item;
using loader::Lookup;
using loader::Scope;
using loader::TypeEntry;

constexpr int kMaxResolveDepth = 200;

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
std::string name_resources(std::string_view text, const std::function<std::string(uint32_t)>& name) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '#' || i + 1 >= text.size() || text[i + 1] < '0' || text[i + 1] > '9') {
      out += text[i];
      continue;
    }
    uint64_t n = 0;
    size_t j = i + 1;
    while (j < text.size() && text[j] >= '0' && text[j] <= '9' && n < (1U << 31))
      n = n * 10 + (text[j++] - '0');
    std::string known = n <= UINT32_MAX ? name(static_cast<uint32_t>(n)) : std::string();
    out += known.empty() ? std::string(text.substr(i, j - i)) : known;
    i = j - 1;
  }
  return out;
}

bool is_version_of(std::string_view version, std::string_view prefix) {
  return version.starts_with(prefix) && (version.size() == prefix.size() || version[prefix.size()] == '.');
}

class Resolver {
 public:
  Resolver(Vm& vm, const HostInterfaces& host, const ComponentLoadOptions& options, ComponentPlan& plan,
           std::span<const uint8_t> bytes)
      : vm_(vm), host_(host), options_(options), plan_(plan), bytes_(bytes) {}

  Result<void> run(const Component& comp) {
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

 private:
  Result<void> report() const {
    if (problems_.empty()) return {};
    std::string msg = "component needs what hookd does not provide:";
    for (const auto& p : problems_) msg += "\n  " + p;
    return fail(ErrorKind::kLink, std::move(msg));
  }

  Scope& new_scope(const Component& comp, Scope* parent) {
    auto& s = scopes_.emplace_back();
    s.comp = &comp;
    s.parent = parent;
    for (size_t i = 0; i < kSortCount; ++i) s.memo[i].resize(comp.spaces.entries[i].size());
    return s;
  }

  // ---- Index spaces ---------------------------------------------------------

  Result<uint32_t> resolve(Scope& s, Sort sort, uint32_t index, int depth) {
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

  Result<uint32_t> define(Scope& s, Sort sort, uint32_t index, int depth) {
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

  Result<uint32_t> define_import(Scope& s, Sort sort, const Import& imp, int depth) {
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

  Result<uint32_t> define_alias(Scope& s, Sort sort, const Alias& a, int depth) {
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

  Result<uint32_t> placeholder(Sort sort, const std::string& name) {
    if (sort == Sort::kType)
      return types_.add(
          TypeEntry{.kind = TypeEntry::Kind::kResource, .resource = add_resource(name, nullptr, false)});
    if (sort == Sort::kFunc) return add_func(FuncEntry{.label = name});
    if (sort == Sort::kInstance) return add_instance({});
    return invalid("alias of " + name + " from a missing import");
  }

  // ---- Types -----------------------------------------------------------------

  Result<uint32_t> define_type(Scope& s, const TypeDef& def, const Lookup& lookup) {
    return types_.define(s, def, lookup, [&](const ResourceType& t) { return define_resource(s, t); });
  }

  // A resource type of the component's own, with its destructor checked.
  Result<ResourceTypeId> define_resource(Scope& s, const ResourceType& t) {
    if (!s.top()) return invalid("resource types defined in a nested component are not supported");
    std::optional<CoreRef> dtor;
    if (t.dtor) {
      auto d = resolve(s, Sort::kCoreFunc, *t.dtor, 0);
      if (!d) return std::unexpected(d.error());
      if (core_[*d].kind != CoreItem::Kind::kRef)
        return invalid("a resource destructor that is not a core export");
      dtor = core_[*d].ref;
      const engine::FuncType dtor_type{{engine::ValType::kI32}, {}};
      if (auto r = check_core_export(*dtor, engine::ExternKind::kFunc, &dtor_type, "resource destructor");
          !r) {
        return std::unexpected(r.error());
      }
    }
    auto rt = add_resource("guest-resource-" + std::to_string(plan_.resources.size()), nullptr, true);
    plan_.resources[rt].destructor = std::move(dtor);
    return rt;
  }

  // ---- Imported interfaces ----------------------------------------------------

  // The instance type and the scope its outer aliases point into, not the
  // TypeEntry holding them: defining the type's own types adds to types_,
  // which may move that entry.
  Result<uint32_t> import_instance(const ExternName& name, const InstanceType& instance_type, Scope& scope,
                                   int depth) {
    const HostInterface* iface = host_.find(name.text);
    if (iface && !is_version_of(name.version, iface->version_prefix)) iface = nullptr;
    if (!iface) problems_.push_back("import interface " + name.text);
    if (iface) {
      for (const auto& r : iface->resources) host_resource_names_[r.id] = r.name;
    }
    InstanceEntry inst;
    std::vector<uint32_t> local;  // the instance type's own type index space
    Lookup lookup = [&](uint32_t i) -> Result<uint32_t> {
      if (i >= local.size()) return invalid("instance type index out of range");
      return local[i];
    };
    const Decls& d = instance_type.decls;
    for (auto [kind, item] : d.order) {
      switch (kind) {
        case DeclKind::kCoreType:
        case DeclKind::kImport:
          break;
        case DeclKind::kType: {
          auto t = define_type(scope, d.types[item], lookup);
          if (!t) return std::unexpected(t.error());
          local.push_back(*t);
          break;
        }
        case DeclKind::kAlias: {
          const Alias& a = d.aliases[item];
          if (a.kind != Alias::Kind::kOuter || a.sort != Sort::kType || a.outer_count != 1) {
            return invalid("instance type of " + name.text + ": only outer type aliases are supported");
          }
          auto t = resolve(scope, Sort::kType, a.outer_index, depth);
          if (!t) return std::unexpected(t.error());
          local.push_back(*t);
          break;
        }
        case DeclKind::kExport: {
          auto r = import_export(name, iface, d.exports[item], lookup, local, inst);
          if (!r) return std::unexpected(r.error());
          break;
        }
      }
    }
    return add_instance(std::move(inst));
  }

  Result<void> import_export(const ExternName& iname, const HostInterface* iface, const ExternDecl& x,
                             const Lookup& lookup, std::vector<uint32_t>& local, InstanceEntry& inst) {
    const std::string label = iname.text + "#" + x.name.text;
    if (x.type.kind == ExternKind::kType) {
      uint32_t id = 0;
      if (x.type.sub_resource) {
        const HostResource* hr = nullptr;
        if (iface) {
          for (const auto& r : iface->resources) {
            if (r.name == x.name.text) hr = &r;
          }
          if (!hr) problems_.push_back("import resource " + label);
        }
        id = types_.add(
            TypeEntry{.kind = TypeEntry::Kind::kResource, .resource = add_resource(label, hr, false)});
      } else {
        auto t = lookup(x.type.index);
        if (!t) return std::unexpected(t.error());
        id = *t;
      }
      local.push_back(id);
      inst.exports[x.name.text] = Item{Sort::kType, id};
      return {};
    }
    if (x.type.kind != ExternKind::kFunc) {
      return invalid("instance type of " + iname.text + ": export " + x.name.text +
                     " is not a function or type");
    }
    auto t = lookup(x.type.index);
    if (!t) return std::unexpected(t.error());
    if (types_[*t].kind != TypeEntry::Kind::kFunc) return invalid(label + " has no function type");
    FuncEntry f{.label = label, .type = types_[*t].func};
    if (iface) {
      for (const auto& hf : iface->functions) {
        if (hf.name == x.name.text) f.host = &hf;
      }
      if (!f.host) {
        problems_.push_back("import function " + label);
      } else if (!canonical::same_function(plan_.types, f.type, iface->types, f.host->type,
                                           same_resource())) {
        auto mine = [this](uint32_t rt) {
          if (rt >= plan_.resources.size()) return std::string();
          const std::string& n = plan_.resources[rt].name;
          return n.substr(n.find('#') + 1);
        };
        auto theirs = [this](uint32_t rt) {
          auto it = host_resource_names_.find(rt);
          return it == host_resource_names_.end() ? std::string() : it->second;
        };
        problems_.push_back("import function " + label + " has type " +
                            name_resources(canonical::describe(plan_.types, f.type), mine) + ", hookd's is " +
                            name_resources(canonical::describe(iface->types, f.host->type), theirs));
      }
    }
    inst.exports[x.name.text] = Item{Sort::kFunc, add_func(std::move(f))};
    return {};
  }

  canonical::SameResource same_resource() const {
    return [this](ResourceTypeId mine, ResourceTypeId theirs) {
      if (mine >= plan_.resources.size()) return false;
      const ResourcePlan& r = plan_.resources[mine];
      // A resource of an import the host lacks is reported as missing
      // already; a type mentioning it is not reported again.
      if (!r.host) return !r.implemented_by_guest;
      return r.host->id == theirs;
    };
  }

  // ---- Component instances ------------------------------------------------------

  Result<uint32_t> define_instance(Scope& s, const Instance& inst, int depth) {
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

  // ---- Canon definitions ---------------------------------------------------------

  Result<std::optional<CoreRef>> option_ref(Scope& s, Sort sort, std::optional<uint32_t> index, int depth) {
    if (!index) return std::optional<CoreRef>();
    auto id = resolve(s, sort, *index, depth);
    if (!id) return std::unexpected(id.error());
    if (core_[*id].kind != CoreItem::Kind::kRef)
      return invalid("a canon option that is not a core instance's export");
    return std::optional<CoreRef>(core_[*id].ref);
  }

  Result<uint32_t> define_canon(Scope& s, const Canon& c, int depth) {
    if (c.options.string_encoding != StringEncoding::kUtf8) {
      return invalid("canon " + std::string(canon_name(c.op)) + " asks for the " +
                     (c.options.string_encoding == StringEncoding::kUtf16 ? "utf16" : "latin1+utf16") +
                     " string encoding: hookd supports utf8 only");
    }
    switch (c.op) {
      case CanonOp::kLift: {
        auto f = resolve(s, Sort::kCoreFunc, c.func, depth);
        if (!f) return std::unexpected(f.error());
        if (core_[*f].kind != CoreItem::Kind::kRef)
          return invalid("canon lift of a core func that is not a core export");
        auto t = resolve(s, Sort::kType, c.type, depth);
        if (!t) return std::unexpected(t.error());
        if (types_[*t].kind != TypeEntry::Kind::kFunc)
          return invalid("canon lift with a type that is not a function");
        lifts_.push_back(LiftDef{core_[*f].ref, types_[*t].func, c.options});
        return add_func(FuncEntry{
            .lifted = true, .type = types_[*t].func, .lift = static_cast<uint32_t>(lifts_.size() - 1)});
      }
      case CanonOp::kLower: {
        auto f = resolve(s, Sort::kFunc, c.func, depth);
        if (!f) return std::unexpected(f.error());
        const FuncEntry& fe = funcs_[*f];
        if (fe.lifted) return invalid("canon lower of the component's own lifted function is not supported");
        LoweredFunction low{.host = fe.host, .label = fe.label, .type = fe.type};
        low.signature = canonical::flatten_function(plan_.types, fe.type, canonical::Direction::kLower);
        auto mem = option_ref(s, Sort::kCoreMemory, c.options.memory, depth);
        if (!mem) return std::unexpected(mem.error());
        auto re = option_ref(s, Sort::kCoreFunc, c.options.realloc, depth);
        if (!re) return std::unexpected(re.error());
        low.memory = *mem;
        low.realloc = *re;
        if (auto r = check_options(low.memory, low.realloc, "import " + low.label); !r)
          return std::unexpected(r.error());
        plan_.lowered.push_back(std::move(low));
        return add_core(CoreItem{.kind = CoreItem::Kind::kLowered,
                                 .index = static_cast<uint32_t>(plan_.lowered.size() - 1)});
      }
      case CanonOp::kResourceNew:
      case CanonOp::kResourceDrop:
      case CanonOp::kResourceRep: {
        auto t = resolve(s, Sort::kType, c.type, depth);
        if (!t) return std::unexpected(t.error());
        if (types_[*t].kind != TypeEntry::Kind::kResource)
          return invalid("canon resource.* of a type that is not a resource");
        const ResourceTypeId rt = types_[*t].resource;
        const BuiltinOp op = c.op == CanonOp::kResourceNew    ? BuiltinOp::kResourceNew
                             : c.op == CanonOp::kResourceDrop ? BuiltinOp::kResourceDrop
                                                              : BuiltinOp::kResourceRep;
        if (op != BuiltinOp::kResourceDrop && !plan_.resources[rt].implemented_by_guest) {
          return invalid("canon " + std::string(canon_name(c.op)) + " of an imported resource");
        }
        plan_.builtins.push_back(Builtin{op, rt});
        return add_core(CoreItem{.kind = CoreItem::Kind::kBuiltin,
                                 .index = static_cast<uint32_t>(plan_.builtins.size() - 1)});
      }
      default:
        return invalid("canon " + std::string(canon_name(c.op)) + " is not supported");
    }
  }

  // ---- Core modules and instances --------------------------------------------------

  Result<uint32_t> compile_module(const CoreModule& m) {
    if (m.offset > bytes_.size() || m.size > bytes_.size() - m.offset)
      return invalid("core module out of bounds");
    auto wasm = bytes_.subspan(m.offset, m.size);
    auto info = parse_module(wasm);
    if (!info) return std::unexpected(info.error());
    Result<std::shared_ptr<const CompiledModule>> compiled;
    if (info->memory.defined) {
      auto capped = bound_module(wasm, options_.module_limits, options_.max_memory_pages);
      if (!capped) return std::unexpected(capped.error());
      compiled = vm_.compile(*capped);
    } else {
      compiled = vm_.compile(wasm);
    }
    if (!compiled) return std::unexpected(compiled.error());
    plan_.modules.push_back(*compiled);
    modules_.push_back(CompiledCoreModule{static_cast<uint32_t>(plan_.modules.size() - 1), std::move(*info)});
    return static_cast<uint32_t>(modules_.size() - 1);
  }

  static engine::FuncType builtin_type(BuiltinOp op) {
    using engine::ValType;
    if (op == BuiltinOp::kResourceDrop) return {{ValType::kI32}, {}};
    return {{ValType::kI32}, {ValType::kI32}};
  }

  Result<uint32_t> define_core_instance(Scope& s, const CoreInstance& ci, int depth) {
    CoreInstanceEntry out;
    if (ci.kind == CoreInstance::Kind::kFromExports) {
      for (const auto& x : ci.exports) {
        auto id = resolve(s, x.sort, x.index, depth);
        if (!id) return std::unexpected(id.error());
        out.bundle[x.name] = core_[*id];
      }
      core_instances_.push_back(std::move(out));
      return static_cast<uint32_t>(core_instances_.size() - 1);
    }
    auto m = resolve(s, Sort::kCoreModule, ci.module, depth);
    if (!m) return std::unexpected(m.error());
    std::map<std::string, uint32_t, std::less<>> args;
    for (const auto& a : ci.args) {
      auto id = resolve(s, Sort::kCoreInstance, a.instance, depth);
      if (!id) return std::unexpected(id.error());
      args[a.name] = *id;
    }
    const CompiledCoreModule& mod = modules_[*m];
    CoreInstancePlan p{.module = mod.plan};
    for (const auto& imp : mod.info.imports) {
      const std::string what = "core import " + imp.module + " " + imp.name;
      auto a = args.find(imp.module);
      if (a == args.end()) return invalid(what + ": no instance is passed as " + imp.module);
      const CoreInstanceEntry& from = core_instances_[a->second];
      CoreImportLink link{.module = imp.module, .name = imp.name};
      if (from.real) {
        link.from = CoreRef{from.plan, imp.name};
      } else {
        auto it = from.bundle.find(imp.name);
        if (it == from.bundle.end()) return invalid(what + ": the instance passed does not export it");
        const CoreItem& item = it->second;
        switch (item.kind) {
          case CoreItem::Kind::kRef:
            link.from = item.ref;
            break;
          case CoreItem::Kind::kLowered:
            link.kind = CoreImportLink::Kind::kLowered;
            link.index = item.index;
            link.type = plan_.lowered[item.index].signature.core;
            break;
          case CoreItem::Kind::kBuiltin:
            link.kind = CoreImportLink::Kind::kBuiltin;
            link.index = item.index;
            link.type = builtin_type(plan_.builtins[item.index].op);
            break;
        }
        if (item.kind != CoreItem::Kind::kRef &&
            (imp.kind != engine::ExternKind::kFunc || !(imp.type == link.type))) {
          return invalid(what + ": the lowered function has another core signature");
        }
      }
      p.imports.push_back(std::move(link));
    }
    plan_.core_instances.push_back(std::move(p));
    out.real = true;
    out.plan = static_cast<uint32_t>(plan_.core_instances.size() - 1);
    core_instances_.push_back(std::move(out));
    return static_cast<uint32_t>(core_instances_.size() - 1);
  }

  // ---- Checks of core exports against what the canonical ABI needs ----------------

  Result<void> check_core_export(const CoreRef& ref, engine::ExternKind kind, const engine::FuncType* type,
                                 const std::string& what) {
    const ModuleInfo& info = modules_[plan_.core_instances[ref.instance].module].info;
    const ExportInfo* x = info.find_export(ref.name);
    if (!x || x->kind != kind) return invalid(what + ": the core instance has no such export " + ref.name);
    if (type && !(x->type == *type)) {
      return invalid(what + ": core function " + ref.name +
                     " has another signature than its canonical type needs");
    }
    return {};
  }

  Result<void> check_options(const std::optional<CoreRef>& memory, const std::optional<CoreRef>& realloc,
                             const std::string& what) {
    using engine::ValType;
    static const engine::FuncType kRealloc{{ValType::kI32, ValType::kI32, ValType::kI32, ValType::kI32},
                                           {ValType::kI32}};
    if (memory) {
      if (auto r = check_core_export(*memory, engine::ExternKind::kMemory, nullptr, what + " memory"); !r)
        return r;
    }
    if (realloc) {
      if (auto r = check_core_export(*realloc, engine::ExternKind::kFunc, &kRealloc, what + " realloc"); !r)
        return r;
    }
    return {};
  }

  // ---- Exports -----------------------------------------------------------------------

  Result<void> add_export(const std::string& name, const FuncEntry& f) {
    if (!f.lifted) return {};  // re-exporting an import: nothing the host calls
    const LiftDef& d = lifts_[f.lift];
    LiftedFunction out{.name = name, .func = d.func, .type = d.type};
    out.signature = canonical::flatten_function(plan_.types, d.type, canonical::Direction::kLift);
    Scope& top = scopes_.front();
    auto mem = option_ref(top, Sort::kCoreMemory, d.options.memory, 0);
    if (!mem) return std::unexpected(mem.error());
    auto re = option_ref(top, Sort::kCoreFunc, d.options.realloc, 0);
    if (!re) return std::unexpected(re.error());
    auto post = option_ref(top, Sort::kCoreFunc, d.options.post_return, 0);
    if (!post) return std::unexpected(post.error());
    out.memory = *mem;
    out.realloc = *re;
    out.post_return = *post;
    const std::string what = "export " + name;
    if (auto r = check_core_export(out.func, engine::ExternKind::kFunc, &out.signature.core, what); !r)
      return r;
    if (auto r = check_options(out.memory, out.realloc, what); !r) return r;
    if (out.post_return) {
      const engine::FuncType post_type{out.signature.core.results, {}};
      if (auto r = check_core_export(*out.post_return, engine::ExternKind::kFunc, &post_type,
                                     what + " post-return");
          !r) {
        return r;
      }
    }
    plan_.export_index[name] = static_cast<uint32_t>(plan_.exports.size());
    plan_.exports.push_back(std::move(out));
    return {};
  }

  Result<void> exports(Scope& top) {
    for (const Export& x : top.comp->exports) {
      auto id = resolve(top, x.sort, x.index, 0);
      if (!id) return std::unexpected(id.error());
      if (x.sort == Sort::kFunc) {
        if (auto r = add_export(x.name.text, funcs_[*id]); !r) return r;
      } else if (x.sort == Sort::kInstance) {
        for (const auto& [name, item] : instances_[*id].exports) {
          if (item.sort != Sort::kFunc) continue;
          if (auto r = add_export(x.name.text + "#" + name, funcs_[item.id]); !r) return r;
        }
      }
    }
    return {};
  }

  // ---- Pools -------------------------------------------------------------------------

  uint32_t add_func(FuncEntry e) {
    funcs_.push_back(std::move(e));
    return static_cast<uint32_t>(funcs_.size() - 1);
  }
  uint32_t add_instance(InstanceEntry e) {
    instances_.push_back(std::move(e));
    return static_cast<uint32_t>(instances_.size() - 1);
  }
  uint32_t add_core(CoreItem e) {
    core_.push_back(std::move(e));
    return static_cast<uint32_t>(core_.size() - 1);
  }
  ResourceTypeId add_resource(std::string name, const HostResource* host, bool guest) {
    plan_.resources.push_back(
        ResourcePlan{.name = std::move(name), .host = host, .implemented_by_guest = guest});
    return static_cast<ResourceTypeId>(plan_.resources.size() - 1);
  }

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

}  // namespace

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
  Resolver resolver(vm, host, options, *plan, bytes);
  if (auto r = resolver.run(*comp); !r) return std::unexpected(r.error());
  return plan;
}

}  // namespace hookd::engine::component
