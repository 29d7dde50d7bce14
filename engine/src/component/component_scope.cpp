// Index spaces, sorts, names and aliases: the parts of a component that
// sections and type declarations share (component_parse.cpp,
// component_types.cpp).
#include <variant>

#include "component_names.hpp"
#include "component_parser.hpp"

namespace hookd::engine::component {

bool is_core(Sort s) { return s <= Sort::kCoreInstance; }

Sort sort_of(ExternKind k) {
  switch (k) {
    case ExternKind::kCoreModule:
      return Sort::kCoreModule;
    case ExternKind::kFunc:
      return Sort::kFunc;
    case ExternKind::kValue:
      return Sort::kValue;
    case ExternKind::kType:
      return Sort::kType;
    case ExternKind::kComponent:
      return Sort::kComponent;
    case ExternKind::kInstance:
      return Sort::kInstance;
  }
  return Sort::kFunc;
}

std::string_view sort_name(Sort sort) {
  static constexpr std::string_view kNames[kSortCount] = {
      "core func",     "core table", "core memory", "core global", "core tag",  "core type", "core module",
      "core instance", "func",       "value",       "type",        "component", "instance"};
  return kNames[static_cast<size_t>(sort)];
}

std::string_view extern_kind_name(ExternKind kind) {
  switch (kind) {
    case ExternKind::kCoreModule:
      return "core module";
    case ExternKind::kFunc:
      return "func";
    case ExternKind::kValue:
      return "value";
    case ExternKind::kType:
      return "type";
    case ExternKind::kComponent:
      return "component";
    case ExternKind::kInstance:
      return "instance";
  }
  return "?";
}

bool Parser::add(ComponentReader& r, Scope& scope, Sort sort, Origin origin, uint32_t item) {
  uint32_t& n = scope.counts[static_cast<size_t>(sort)];
  if (n >= limits_.max_total_items || n == UINT32_MAX) {
    return r.fail(std::string(sort_name(sort)) + " index space is over the limit");
  }
  ++n;
  if (sort == Sort::kType) {
    scope.types.push_back(TypeClass::kUnknown);
    scope.type_depth.push_back(0);
  }
  if (sort == Sort::kCoreType) scope.core_types.push_back(CoreTypeClass::kUnknown);
  if (scope.spaces != nullptr) scope.spaces->entries[static_cast<size_t>(sort)].push_back({origin, item});
  return true;
}

bool Parser::check_index(ComponentReader& r, size_t at, const Scope& scope, Sort sort, uint32_t index,
                         std::string_view what) {
  if (index < scope.count(sort)) return true;
  return r.fail_at(at, std::string(what) + ": " + std::string(sort_name(sort)) + " index " +
                           std::to_string(index) + " is out of range (" + std::to_string(scope.count(sort)) +
                           " defined so far)");
}

bool Parser::core_sort(ComponentReader& r, Sort& out) {
  uint8_t b = 0;
  if (!r.u8(b, "core sort")) return false;
  switch (b) {
    case 0x00:
      out = Sort::kCoreFunc;
      return true;
    case 0x01:
      out = Sort::kCoreTable;
      return true;
    case 0x02:
      out = Sort::kCoreMemory;
      return true;
    case 0x03:
      out = Sort::kCoreGlobal;
      return true;
    case 0x04:
      out = Sort::kCoreTag;
      return true;
    case 0x10:
      out = Sort::kCoreType;
      return true;
    case 0x11:
      out = Sort::kCoreModule;
      return true;
    case 0x12:
      out = Sort::kCoreInstance;
      return true;
    default:
      return r.fail_at(r.pos() - 1, "unknown core sort " + std::to_string(b));
  }
}

bool Parser::sort(ComponentReader& r, Sort& out) {
  uint8_t b = 0;
  if (!r.u8(b, "sort")) return false;
  switch (b) {
    case 0x00:
      return core_sort(r, out);
    case 0x01:
      out = Sort::kFunc;
      return true;
    case 0x02:
      out = Sort::kValue;
      return true;
    case 0x03:
      out = Sort::kType;
      return true;
    case 0x04:
      out = Sort::kComponent;
      return true;
    case 0x05:
      out = Sort::kInstance;
      return true;
    default:
      return r.fail_at(r.pos() - 1, "unknown sort " + std::to_string(b));
  }
}

bool Parser::extern_name(ComponentReader& r, ExternName& out) {
  const size_t at = r.pos();
  uint8_t form = 0;
  std::string text;
  if (!r.u8(form, "name") || !r.name(text, "name")) return false;
  if (form > 0x02) return r.fail_at(at, "unknown name form " + std::to_string(form));
  std::string why;
  if (!parse_extern_name(std::move(text), out, why)) return r.fail_at(at, "bad import/export name: " + why);
  if (form != 0x02) return true;
  uint32_t n = 0;
  if (!r.count(n, 3, "name attributes", 2)) return false;
  bool seen[3] = {false, false, false};
  for (uint32_t i = 0; i < n; ++i) {
    const size_t attr_at = r.pos();
    uint8_t kind = 0;
    if (!r.u8(kind, "name attribute")) return false;
    if (kind > 0x02) return r.fail_at(attr_at, "unknown name attribute " + std::to_string(kind));
    if (seen[kind]) return r.fail_at(attr_at, "name attribute given twice");
    seen[kind] = true;
    std::string& value = kind == 0 ? out.implements : kind == 1 ? out.version_suffix : out.external_id;
    if (!r.name(value, "name attribute")) return false;
  }
  return true;
}

bool Parser::refuse_async(ComponentReader& r, size_t at, std::string_view what) {
  if (limits_.allow_async) return true;
  return r.fail_at(at, std::string(what) +
                           " belongs to the component model's async or threads extensions; hookd runs the "
                           "synchronous (WASI 0.2) ABI");
}

const Scope* outer_scope(const Scope& scope, uint32_t count) {
  const Scope* s = &scope;
  for (uint32_t i = 0; i < count && s != nullptr; ++i) s = s->parent;
  return s;
}

const ExportMap* Parser::known_exports(Scope& scope, bool core, uint32_t index) {
  if (scope.component == nullptr) return nullptr;
  auto& cache = core ? scope.core_instance_exports : scope.instance_exports;
  auto [it, inserted] = cache.try_emplace(index);
  if (!inserted) return it->second ? &*it->second : nullptr;
  const Component& c = *scope.component;
  ExportMap map;
  const IndexEntry& e = c.spaces.at(core ? Sort::kCoreInstance : Sort::kInstance, index);
  if (core) {
    if (e.origin != Origin::kCoreInstance ||
        c.core_instances[e.item].kind != CoreInstance::Kind::kFromExports) {
      return nullptr;
    }
    for (const CoreInlineExport& x : c.core_instances[e.item].exports)
      map.try_emplace(x.name, KnownExport{x.sort});
  } else if (e.origin == Origin::kInstance && c.instances[e.item].kind == Instance::Kind::kFromExports) {
    for (const InlineExport& x : c.instances[e.item].exports) {
      const TypeClass t = x.sort == Sort::kType ? scope.types[x.index] : TypeClass::kUnknown;
      map.try_emplace(x.name.text, KnownExport{x.sort, t});
    }
  } else if (e.origin == Origin::kInstance) {
    const IndexEntry& made = c.spaces.at(Sort::kComponent, c.instances[e.item].component);
    if (made.origin != Origin::kComponent) return nullptr;
    for (const Export& x : c.components[made.item].exports) map.try_emplace(x.name.text, KnownExport{x.sort});
  } else if (e.origin == Origin::kImport && c.imports[e.item].type.kind == ExternKind::kInstance) {
    const IndexEntry& type = c.spaces.at(Sort::kType, c.imports[e.item].type.index);
    if (type.origin != Origin::kType) return nullptr;
    const auto* it_type = std::get_if<InstanceType>(&c.types[type.item].def);
    if (it_type == nullptr) return nullptr;
    for (const ExternDecl& d : it_type->decls.exports) {
      const TypeClass t = d.type.kind == ExternKind::kType && d.type.sub_resource ? TypeClass::kResource
                                                                                  : TypeClass::kUnknown;
      map.try_emplace(d.name.text, KnownExport{sort_of(d.type.kind), t});
    }
  } else {
    return nullptr;
  }
  it->second = std::move(map);
  return &*it->second;
}

namespace {

// An export alias of an instance whose exports are known names one of them,
// with the alias's sort.
bool check_alias_export(ComponentReader& r, const ExportMap* exports, const Alias& a) {
  if (exports == nullptr) return true;
  const auto it = exports->find(a.name);
  if (it != exports->end() && it->second.sort == a.sort) return true;
  const bool core = a.kind == Alias::Kind::kCoreInstanceExport;
  return r.fail_at(a.offset, std::string(core ? "core instance " : "instance ") + std::to_string(a.instance) +
                                 " has no " + std::string(sort_name(a.sort)) + " export named '" + a.name +
                                 "'");
}

}  // namespace

bool Parser::alias(ComponentReader& r, Scope& scope, bool in_type, Alias& out) {
  out.offset = r.pos();
  uint8_t target = 0;
  if (!sort(r, out.sort) || !r.u8(target, "alias target")) return false;
  const size_t at = r.pos();
  switch (target) {
    case 0x00:
      out.kind = Alias::Kind::kInstanceExport;
      if (!r.u32(out.instance, "alias instance") || !r.name(out.name, "alias export name")) return false;
      if (in_type && out.sort != Sort::kInstance && out.sort != Sort::kType) {
        return r.fail_at(out.offset, "an export alias in a type may only alias an instance or a type");
      }
      if (is_core(out.sort) && out.sort != Sort::kCoreModule) {
        return r.fail_at(out.offset, "a component instance exports no " + std::string(sort_name(out.sort)));
      }
      return check_index(r, at, scope, Sort::kInstance, out.instance, "alias export") &&
             check_alias_export(r, known_exports(scope, false, out.instance), out);
    case 0x01:
      out.kind = Alias::Kind::kCoreInstanceExport;
      if (!r.u32(out.instance, "alias core instance") || !r.name(out.name, "alias core export name"))
        return false;
      if (in_type) return r.fail_at(out.offset, "a core export alias cannot appear in a type");
      if (!is_core(out.sort)) {
        return r.fail_at(out.offset, "a core instance exports no " + std::string(sort_name(out.sort)));
      }
      return check_index(r, at, scope, Sort::kCoreInstance, out.instance, "alias core export") &&
             check_alias_export(r, known_exports(scope, true, out.instance), out);
    case 0x02: {
      out.kind = Alias::Kind::kOuter;
      if (!r.u32(out.outer_count, "outer alias count") || !r.u32(out.outer_index, "outer alias index")) {
        return false;
      }
      const bool allowed = out.sort == Sort::kCoreType || out.sort == Sort::kType ||
                           (!in_type && (out.sort == Sort::kCoreModule || out.sort == Sort::kComponent));
      if (!allowed)
        return r.fail_at(out.offset, "an outer alias cannot alias a " + std::string(sort_name(out.sort)));
      const Scope* target_scope = outer_scope(scope, out.outer_count);
      if (target_scope == nullptr) {
        return r.fail_at(at, "outer alias count " + std::to_string(out.outer_count) +
                                 " is past the outermost enclosing scope");
      }
      return check_index(r, at, *target_scope, out.sort, out.outer_index, "outer alias");
    }
    default:
      return r.fail_at(at - 1, "unknown alias target " + std::to_string(target));
  }
}

bool Parser::add_alias(ComponentReader& r, Scope& scope, const Alias& a, Origin origin, uint32_t item) {
  if (!add(r, scope, a.sort, origin, item)) return false;
  if (a.kind == Alias::Kind::kInstanceExport && a.sort == Sort::kType) {
    if (const ExportMap* exports = known_exports(scope, false, a.instance)) {
      scope.types.back() = exports->at(a.name).type;
    }
    return true;
  }
  if (a.kind != Alias::Kind::kOuter) return true;
  const Scope* target = outer_scope(scope, a.outer_count);
  if (a.sort == Sort::kType) {
    scope.types.back() = target->types[a.outer_index];
    scope.type_depth.back() = target->type_depth[a.outer_index];
  }
  if (a.sort == Sort::kCoreType) scope.core_types.back() = target->core_types[a.outer_index];
  return true;
}

}  // namespace hookd::engine::component
