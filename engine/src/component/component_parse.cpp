// Sections and index spaces of a component binary (Binary.md); types are in
// component_types.cpp, canon definitions in component_canon.cpp.
#include <cstring>
#include <set>
#include <variant>

#include "component_names.hpp"
#include "component_parser.hpp"

namespace hookd::engine::component {
namespace {

constexpr uint8_t kMagic[4] = {0x00, 0x61, 0x73, 0x6d};
constexpr uint8_t kComponentVersion[4] = {0x0d, 0x00, 0x01, 0x00};
constexpr uint8_t kModuleVersion[4] = {0x01, 0x00, 0x00, 0x00};

enum SectionId : uint8_t {
  kCustomSection = 0,
  kCoreModuleSection = 1,
  kCoreInstanceSection = 2,
  kCoreTypeSection = 3,
  kComponentSection = 4,
  kInstanceSection = 5,
  kAliasSection = 6,
  kTypeSection = 7,
  kCanonSection = 8,
  kStartSection = 9,
  kImportSection = 10,
  kExportSection = 11,
  kValueSection = 12,
};

std::string item(std::string_view section, uint32_t i) {
  return std::string(section) + " #" + std::to_string(i);
}

}  // namespace

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
  if (sort == Sort::kType) scope.types.push_back(TypeClass::kUnknown);
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
  if (a.sort == Sort::kType) scope.types.back() = target->types[a.outer_index];
  if (a.sort == Sort::kCoreType) scope.core_types.back() = target->core_types[a.outer_index];
  return true;
}

bool Parser::component(size_t begin, size_t end, Scope* parent, uint32_t depth, Component& out) {
  out.offset = begin;
  out.size = end - begin;
  ComponentReader r = reader(begin, end);
  if (end - begin < 8 || std::memcmp(data_.data() + begin, kMagic, 4) != 0) {
    return r.fail("not a WebAssembly binary (bad magic number)");
  }
  if (std::memcmp(data_.data() + begin + 4, kModuleVersion, 4) == 0) {
    return r.fail("this is a core WebAssembly module, not a component");
  }
  if (std::memcmp(data_.data() + begin + 4, kComponentVersion, 4) != 0) {
    return r.fail_at(begin + 4, "unsupported component binary version (hookd reads version 0x0d, layer 1)");
  }
  r.skip(8, "preamble");
  Scope scope;
  scope.kind = Scope::Kind::kComponent;
  scope.parent = parent;
  scope.spaces = &out.spaces;
  scope.component = &out;
  while (r.remaining() > 0) {
    SectionInfo info;
    info.offset = r.pos();
    uint32_t size = 0;
    if (!r.u8(info.id, "section id") || !r.u32(size, "section size")) return false;
    if (size > r.remaining()) return r.fail_at(info.offset, "section extends past the end of the component");
    info.size = size;
    const size_t body = r.pos();
    r.skip(size, "section");
    if (!errors_.take_items(1))
      return r.fail_at(info.offset, "the component has more items in all than the limit");
    out.sections.push_back(info);
    if (!section(info.id, body, body + size, scope, depth, out)) return false;
  }
  return true;
}

bool Parser::section(uint8_t id, size_t begin, size_t end, Scope& scope, uint32_t depth, Component& out) {
  ComponentReader r = reader(begin, end);
  SectionInfo& info = out.sections.back();
  uint32_t n = 0;
  const uint32_t max = limits_.max_section_items;
  switch (id) {
    case kCustomSection: {
      CustomSection c;
      if (!r.name(c.name, "custom section name")) return false;
      c.offset = r.pos();
      c.size = r.remaining();
      info.first = static_cast<uint32_t>(out.custom_sections.size());
      info.count = 1;
      out.custom_sections.push_back(std::move(c));
      return true;
    }
    case kCoreModuleSection: {
      if (end - begin < 8 || std::memcmp(data_.data() + begin, kMagic, 4) != 0) {
        return r.fail("core module section: not a WebAssembly module");
      }
      if (std::memcmp(data_.data() + begin + 4, kModuleVersion, 4) != 0) {
        return r.fail_at(begin + 4,
                         "core module section: not a core module (unsupported version or a component)");
      }
      info.first = static_cast<uint32_t>(out.core_modules.size());
      info.count = 1;
      out.core_modules.push_back({begin, end - begin});
      return add(r, scope, Sort::kCoreModule, Origin::kCoreModule, info.first);
    }
    case kCoreInstanceSection:
      if (!r.count(n, max, "core instance section", 2)) return false;
      info.first = static_cast<uint32_t>(out.core_instances.size());
      info.count = n;
      for (uint32_t i = 0; i < n; ++i) {
        const std::string what = item("core instance", static_cast<uint32_t>(out.core_instances.size()));
        CoreInstance inst;
        inst.offset = r.pos();
        uint8_t form = 0;
        uint32_t m = 0;
        if (!r.u8(form, what)) return false;
        if (form == 0x00) {
          inst.kind = CoreInstance::Kind::kInstantiate;
          const size_t at = r.pos();
          if (!r.u32(inst.module, what) || !check_index(r, at, scope, Sort::kCoreModule, inst.module, what)) {
            return false;
          }
          if (!r.count(m, max, what + " arguments", 3)) return false;
          for (uint32_t j = 0; j < m; ++j) {
            CoreInstantiateArg arg;
            uint8_t sort_byte = 0;
            if (!r.name(arg.name, what + " argument") || !r.u8(sort_byte, what + " argument")) return false;
            if (sort_byte != 0x12)
              return r.fail_at(r.pos() - 1, what + ": an argument must be a core instance");
            const size_t idx_at = r.pos();
            if (!r.u32(arg.instance, what) ||
                !check_index(r, idx_at, scope, Sort::kCoreInstance, arg.instance, what + " argument")) {
              return false;
            }
            inst.args.push_back(std::move(arg));
          }
        } else if (form == 0x01) {
          inst.kind = CoreInstance::Kind::kFromExports;
          if (!r.count(m, max, what + " exports", 3)) return false;
          std::set<std::string> names;
          for (uint32_t j = 0; j < m; ++j) {
            CoreInlineExport e;
            const size_t name_at = r.pos();
            if (!r.name(e.name, what + " export") || !core_sort(r, e.sort)) return false;
            if (!names.insert(e.name).second)
              return r.fail_at(name_at, what + ": duplicate export " + e.name);
            const size_t idx_at = r.pos();
            if (!r.u32(e.index, what) || !check_index(r, idx_at, scope, e.sort, e.index, what + " export")) {
              return false;
            }
            inst.exports.push_back(std::move(e));
          }
        } else {
          return r.fail_at(inst.offset, what + ": unknown form " + std::to_string(form));
        }
        out.core_instances.push_back(std::move(inst));
        if (!add(r, scope, Sort::kCoreInstance, Origin::kCoreInstance, out.core_instances.size() - 1))
          return false;
      }
      return r.expect_end("core instance section");
    case kCoreTypeSection:
      if (!r.count(n, max, "core type section", 2)) return false;
      info.first = static_cast<uint32_t>(out.core_types.size());
      info.count = n;
      for (uint32_t i = 0; i < n; ++i) {
        CoreTypeDef t;
        CoreTypeClass cls = CoreTypeClass::kFunc;
        if (!core_type(r, scope, 0, t, cls)) return false;
        out.core_types.push_back(std::move(t));
        if (!add(r, scope, Sort::kCoreType, Origin::kCoreType, out.core_types.size() - 1)) return false;
        scope.core_types.back() = cls;
      }
      return r.expect_end("core type section");
    case kComponentSection: {
      if (depth + 1 > limits_.max_component_depth) {
        return r.fail("components are nested deeper than the limit of " +
                      std::to_string(limits_.max_component_depth));
      }
      info.first = static_cast<uint32_t>(out.components.size());
      info.count = 1;
      Component child;
      if (!component(begin, end, &scope, depth + 1, child)) return false;
      out.components.push_back(std::move(child));
      return add(r, scope, Sort::kComponent, Origin::kComponent, info.first);
    }
    case kInstanceSection:
      if (!r.count(n, max, "instance section", 2)) return false;
      info.first = static_cast<uint32_t>(out.instances.size());
      info.count = n;
      for (uint32_t i = 0; i < n; ++i) {
        const std::string what = item("instance", static_cast<uint32_t>(out.instances.size()));
        Instance inst;
        inst.offset = r.pos();
        uint8_t form = 0;
        uint32_t m = 0;
        if (!r.u8(form, what)) return false;
        if (form == 0x00) {
          inst.kind = Instance::Kind::kInstantiate;
          const size_t at = r.pos();
          if (!r.u32(inst.component, what) ||
              !check_index(r, at, scope, Sort::kComponent, inst.component, what)) {
            return false;
          }
          if (!r.count(m, max, what + " arguments", 3)) return false;
          for (uint32_t j = 0; j < m; ++j) {
            InstantiateArg arg;
            if (!r.name(arg.name, what + " argument") || !sort(r, arg.sort)) return false;
            const size_t idx_at = r.pos();
            if (!r.u32(arg.index, what) ||
                !check_index(r, idx_at, scope, arg.sort, arg.index, what + " argument")) {
              return false;
            }
            inst.args.push_back(std::move(arg));
          }
        } else if (form == 0x01) {
          inst.kind = Instance::Kind::kFromExports;
          if (!r.count(m, max, what + " exports", 4)) return false;
          std::set<std::string> names;
          for (uint32_t j = 0; j < m; ++j) {
            InlineExport e;
            const size_t name_at = r.pos();
            if (!extern_name(r, e.name) || !sort(r, e.sort)) return false;
            if (!names.insert(e.name.text).second) {
              return r.fail_at(name_at, what + ": duplicate export " + e.name.text);
            }
            const size_t idx_at = r.pos();
            if (!r.u32(e.index, what) || !check_index(r, idx_at, scope, e.sort, e.index, what + " export")) {
              return false;
            }
            inst.exports.push_back(std::move(e));
          }
        } else {
          return r.fail_at(inst.offset, what + ": unknown form " + std::to_string(form));
        }
        out.instances.push_back(std::move(inst));
        if (!add(r, scope, Sort::kInstance, Origin::kInstance, out.instances.size() - 1)) return false;
      }
      return r.expect_end("instance section");
    case kAliasSection:
      if (!r.count(n, max, "alias section", 3)) return false;
      info.first = static_cast<uint32_t>(out.aliases.size());
      info.count = n;
      for (uint32_t i = 0; i < n; ++i) {
        Alias a;
        if (!alias(r, scope, false, a)) return false;
        out.aliases.push_back(std::move(a));
        if (!add_alias(r, scope, out.aliases.back(), Origin::kAlias, out.aliases.size() - 1)) return false;
      }
      return r.expect_end("alias section");
    case kTypeSection:
      if (!r.count(n, max, "type section")) return false;
      info.first = static_cast<uint32_t>(out.types.size());
      info.count = n;
      for (uint32_t i = 0; i < n; ++i) {
        TypeDef t;
        TypeClass cls = TypeClass::kUnknown;
        if (!deftype(r, scope, 0, t, cls)) return false;
        out.types.push_back(std::move(t));
        if (!add(r, scope, Sort::kType, Origin::kType, out.types.size() - 1)) return false;
        scope.types.back() = cls;
      }
      return r.expect_end("type section");
    case kCanonSection:
      if (!r.count(n, max, "canon section")) return false;
      info.first = static_cast<uint32_t>(out.canons.size());
      info.count = n;
      for (uint32_t i = 0; i < n; ++i) {
        Canon c;
        if (!canon(r, scope, c)) return false;
        out.canons.push_back(c);
        const Sort made = out.canons.back().op == CanonOp::kLift ? Sort::kFunc : Sort::kCoreFunc;
        if (!add(r, scope, made, Origin::kCanon, out.canons.size() - 1)) return false;
      }
      return r.expect_end("canon section");
    case kStartSection: {
      Start s;
      s.offset = r.pos();
      const std::string what = item("start", static_cast<uint32_t>(out.starts.size()));
      if (!r.u32(s.func, what) || !check_index(r, s.offset, scope, Sort::kFunc, s.func, what)) return false;
      if (!r.count(n, max, what + " arguments")) return false;
      for (uint32_t i = 0; i < n; ++i) {
        const size_t at = r.pos();
        uint32_t v = 0;
        if (!r.u32(v, what) || !check_index(r, at, scope, Sort::kValue, v, what + " argument")) return false;
        s.args.push_back(v);
      }
      const size_t at = r.pos();
      if (!r.u32(s.results, what)) return false;
      if (s.results > max || !errors_.take_items(s.results))
        return r.fail_at(at, what + ": too many results");
      info.first = static_cast<uint32_t>(out.starts.size());
      info.count = 1;
      out.starts.push_back(std::move(s));
      for (uint32_t i = 0; i < out.starts.back().results; ++i) {
        if (!add(r, scope, Sort::kValue, Origin::kStart, info.first)) return false;
      }
      return r.expect_end("start section");
    }
    case kImportSection: {
      if (!r.count(n, max, "import section", 4)) return false;
      info.first = static_cast<uint32_t>(out.imports.size());
      info.count = n;
      for (uint32_t i = 0; i < n; ++i) {
        Import imp;
        imp.offset = r.pos();
        if (!extern_name(r, imp.name) || !extern_type(r, scope, imp.type)) return false;
        if (!scope.import_names.insert(imp.name.text).second) {
          return r.fail_at(imp.offset, "duplicate import " + imp.name.text);
        }
        out.imports.push_back(std::move(imp));
        if (!add_extern(r, scope, out.imports.back().type, Origin::kImport, out.imports.size() - 1))
          return false;
      }
      return r.expect_end("import section");
    }
    case kExportSection: {
      if (!r.count(n, max, "export section", 4)) return false;
      info.first = static_cast<uint32_t>(out.exports.size());
      info.count = n;
      for (uint32_t i = 0; i < n; ++i) {
        Export e;
        e.offset = r.pos();
        if (!extern_name(r, e.name) || !sort(r, e.sort)) return false;
        const std::string what = "export " + e.name.text;
        if (is_core(e.sort) && e.sort != Sort::kCoreModule) {
          return r.fail_at(e.offset,
                           what + ": a component cannot export a " + std::string(sort_name(e.sort)));
        }
        const size_t at = r.pos();
        if (!r.u32(e.index, what) || !check_index(r, at, scope, e.sort, e.index, what)) return false;
        uint8_t has_type = 0;
        if (!r.u8(has_type, what)) return false;
        if (has_type > 1) return r.fail_at(r.pos() - 1, what + ": bad optional type flag");
        if (has_type == 1) {
          ExternType t;
          if (!extern_type(r, scope, t)) return false;
          if (sort_of(t.kind) != e.sort) return r.fail_at(at, what + ": its type is of another sort");
          e.type = t;
        }
        if (!scope.export_names.insert(e.name.text).second) {
          return r.fail_at(e.offset, "duplicate export " + e.name.text);
        }
        const TypeClass cls = e.sort == Sort::kType ? scope.types[e.index] : TypeClass::kUnknown;
        out.exports.push_back(std::move(e));
        if (!add(r, scope, out.exports.back().sort, Origin::kExport, out.exports.size() - 1)) return false;
        if (out.exports.back().sort == Sort::kType) scope.types.back() = cls;
      }
      return r.expect_end("export section");
    }
    case kValueSection:
      return r.fail_at(info.offset,
                       "value sections are not supported (component values are a gated feature)");
    default:
      return r.fail_at(info.offset, "unknown section id " + std::to_string(id));
  }
}

Result<Component> parse_component(std::span<const uint8_t> bytes, const ComponentLimits& limits) {
  if (bytes.size() > limits.max_bytes) {
    return fail(ErrorKind::kInvalidModule, "component of " + std::to_string(bytes.size()) +
                                               " bytes is over the limit of " +
                                               std::to_string(limits.max_bytes));
  }
  Parser parser(bytes, limits);
  Component out;
  if (!parser.component(0, bytes.size(), nullptr, 0, out)) return std::unexpected(parser.errors().error());
  return out;
}

}  // namespace hookd::engine::component
