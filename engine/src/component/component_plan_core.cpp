// Loading a component, its core side: canon definitions with their options,
// core modules compiled once, core instances linked import by import, and
// the exports' core functions checked against what the canonical ABI needs
// (component_plan_resolver.hpp).
#include <utility>

#include "component/component_plan_resolver.hpp"

namespace hookd::engine::component::loader {

// ---- Canon definitions -----------------------------------------------------

Result<std::optional<CoreRef>> Resolver::option_ref(Scope& s, Sort sort, std::optional<uint32_t> index,
                                                    int depth) {
  if (!index) return std::optional<CoreRef>();
  auto id = resolve(s, sort, *index, depth);
  if (!id) return std::unexpected(id.error());
  if (core_[*id].kind != CoreItem::Kind::kRef)
    return invalid("a canon option that is not a core instance's export");
  return std::optional<CoreRef>(core_[*id].ref);
}

Result<uint32_t> Resolver::define_canon(Scope& s, const Canon& c, int depth) {
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

// ---- Core modules and instances --------------------------------------------

Result<uint32_t> Resolver::compile_module(const CoreModule& m) {
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

engine::FuncType Resolver::builtin_type(BuiltinOp op) {
  using engine::ValType;
  if (op == BuiltinOp::kResourceDrop) return {{ValType::kI32}, {}};
  return {{ValType::kI32}, {ValType::kI32}};
}

Result<uint32_t> Resolver::define_core_instance(Scope& s, const CoreInstance& ci, int depth) {
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

// ---- Checks of core exports against what the canonical ABI needs -----------

Result<void> Resolver::check_core_export(const CoreRef& ref, engine::ExternKind kind,
                                         const engine::FuncType* type, const std::string& what) {
  const ModuleInfo& info = modules_[plan_.core_instances[ref.instance].module].info;
  const ExportInfo* x = info.find_export(ref.name);
  if (!x || x->kind != kind) return invalid(what + ": the core instance has no such export " + ref.name);
  if (type && !(x->type == *type)) {
    return invalid(what + ": core function " + ref.name +
                   " has another signature than its canonical type needs");
  }
  return {};
}

Result<void> Resolver::check_options(const std::optional<CoreRef>& memory,
                                     const std::optional<CoreRef>& realloc, const std::string& what) {
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

// ---- Exports ---------------------------------------------------------------

Result<void> Resolver::add_export(const std::string& name, const FuncEntry& f) {
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
    if (auto r =
            check_core_export(*out.post_return, engine::ExternKind::kFunc, &post_type, what + " post-return");
        !r) {
      return r;
    }
  }
  plan_.export_index[name] = static_cast<uint32_t>(plan_.exports.size());
  plan_.exports.push_back(std::move(out));
  return {};
}

Result<void> Resolver::exports(Scope& top) {
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

}  // namespace hookd::engine::component::loader
