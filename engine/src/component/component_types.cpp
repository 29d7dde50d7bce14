// Type definitions (Binary.md "Type Definitions"): value types, function,
// component, instance and resource types, core function and module types,
// and the declarations of component and instance types with their own
// index spaces.
#include "component_names.hpp"
#include "component_parser.hpp"

namespace hookd::engine::component {
namespace {

bool is_prim(uint8_t code) { return (code >= 0x73 && code <= 0x7f) || code == 0x64; }

bool type_is(const Scope& scope, uint32_t index, TypeClass want) {
  const TypeClass c = scope.types[index];
  return c == want || c == TypeClass::kUnknown;
}

}  // namespace

bool Parser::core_valtype(ComponentReader& r, CoreValType& out) {
  if (!r.u8(out, "core value type")) return false;
  switch (out) {
    case 0x7f:  // i32
    case 0x7e:  // i64
    case 0x7d:  // f32
    case 0x7c:  // f64
    case 0x7b:  // v128
    case 0x70:  // funcref
    case 0x6f:  // externref
      return true;
    default:
      return r.fail_at(r.pos() - 1, "unsupported core value type " + std::to_string(out));
  }
}

bool Parser::valtype(ComponentReader& r, const Scope& scope, ValType& out) {
  const size_t at = r.pos();
  int64_t v = 0;
  if (!r.s33(v, "value type")) return false;
  if (v >= 0) {
    out = ValType::at(static_cast<uint32_t>(v));
    if (!check_index(r, at, scope, Sort::kType, out.index, "value type")) return false;
    if (!type_is(scope, out.index, TypeClass::kValue)) {
      return r.fail_at(at, "type index " + std::to_string(out.index) + " is not a value type");
    }
    return true;
  }
  const auto code = static_cast<uint8_t>(v & 0x7f);
  if (v < -64 || !is_prim(code)) return r.fail_at(at, "unknown value type " + std::to_string(v));
  if (code == static_cast<uint8_t>(PrimValType::kErrorContext) && !refuse_async(r, at, "error-context")) {
    return false;
  }
  out = ValType::of(static_cast<PrimValType>(code));
  return true;
}

namespace {

// Reads `label` and checks it is kebab case.
bool label(ComponentReader& r, std::string& out, std::string_view what) {
  const size_t at = r.pos();
  if (!r.name(out, what)) return false;
  if (!valid_label(out)) return r.fail_at(at, std::string(what) + " '" + out + "' is not a kebab-case label");
  return true;
}

}  // namespace

bool Parser::deftype(ComponentReader& r, Scope& scope, uint32_t depth, TypeDef& out, TypeClass& cls) {
  out.offset = r.pos();
  const size_t at = r.pos();
  const uint32_t max = limits_.max_section_items;
  uint8_t op = 0;
  uint32_t n = 0;
  if (!r.u8(op, "type")) return false;
  // Reads an optional valtype: 0x00, or 0x01 and the valtype.
  auto optional = [&](std::optional<ValType>& o, std::string_view what) {
    uint8_t flag = 0;
    if (!r.u8(flag, what)) return false;
    if (flag == 0) return true;
    if (flag != 1) return r.fail_at(r.pos() - 1, std::string(what) + ": bad optional flag");
    ValType t;
    if (!valtype(r, scope, t)) return false;
    o = t;
    return true;
  };
  auto resource_ref = [&](uint32_t& index, std::string_view what) {
    const size_t idx_at = r.pos();
    if (!r.u32(index, what) || !check_index(r, idx_at, scope, Sort::kType, index, what)) return false;
    if (!type_is(scope, index, TypeClass::kResource)) {
      return r.fail_at(idx_at,
                       std::string(what) + ": type index " + std::to_string(index) + " is not a resource");
    }
    return true;
  };
  cls = TypeClass::kValue;
  if (is_prim(op)) {
    if (op == static_cast<uint8_t>(PrimValType::kErrorContext) && !refuse_async(r, at, "error-context")) {
      return false;
    }
    out.def = static_cast<PrimValType>(op);
    return true;
  }
  switch (op) {
    case 0x72: {
      RecordType t;
      if (!r.count(n, max, "record fields", 2)) return false;
      if (n == 0) return r.fail_at(at, "a record needs at least one field");
      for (uint32_t i = 0; i < n; ++i) {
        LabeledType f;
        if (!label(r, f.label, "record field") || !valtype(r, scope, f.type)) return false;
        t.fields.push_back(std::move(f));
      }
      out.def = std::move(t);
      return true;
    }
    case 0x71: {
      VariantType t;
      if (!r.count(n, max, "variant cases", 3)) return false;
      if (n == 0) return r.fail_at(at, "a variant needs at least one case");
      for (uint32_t i = 0; i < n; ++i) {
        VariantCase c;
        uint8_t end = 0;
        if (!label(r, c.label, "variant case") || !optional(c.type, "variant case") ||
            !r.u8(end, "variant case")) {
          return false;
        }
        if (end != 0) return r.fail_at(r.pos() - 1, "variant case: unsupported refinement");
        t.cases.push_back(std::move(c));
      }
      out.def = std::move(t);
      return true;
    }
    case 0x70: {
      ListType t;
      if (!valtype(r, scope, t.element)) return false;
      out.def = t;
      return true;
    }
    case 0x67: {
      ListType t;
      uint32_t len = 0;
      if (!valtype(r, scope, t.element) || !r.u32(len, "fixed list length")) return false;
      if (len == 0) return r.fail_at(at, "a fixed-length list needs a length above 0");
      t.length = len;
      out.def = t;
      return true;
    }
    case 0x6f: {
      TupleType t;
      if (!r.count(n, max, "tuple")) return false;
      if (n == 0) return r.fail_at(at, "a tuple needs at least one element");
      for (uint32_t i = 0; i < n; ++i) {
        ValType v;
        if (!valtype(r, scope, v)) return false;
        t.elements.push_back(v);
      }
      out.def = std::move(t);
      return true;
    }
    case 0x6e:
    case 0x6d: {
      std::vector<std::string> labels;
      const std::string_view what = op == 0x6e ? "flags" : "enum";
      if (!r.count(n, max, what)) return false;
      if (n == 0) return r.fail_at(at, std::string(what) + " needs at least one label");
      if (op == 0x6e && n > 32) return r.fail_at(at, "flags has more than 32 labels");
      for (uint32_t i = 0; i < n; ++i) {
        std::string l;
        if (!label(r, l, what)) return false;
        labels.push_back(std::move(l));
      }
      if (op == 0x6e) {
        out.def = FlagsType{std::move(labels)};
      } else {
        out.def = EnumType{std::move(labels)};
      }
      return true;
    }
    case 0x6b: {
      OptionType t;
      if (!valtype(r, scope, t.value)) return false;
      out.def = t;
      return true;
    }
    case 0x6a: {
      ResultType t;
      if (!optional(t.ok, "result ok type") || !optional(t.error, "result error type")) return false;
      out.def = t;
      return true;
    }
    case 0x69: {
      OwnType t;
      if (!resource_ref(t.resource, "own")) return false;
      out.def = t;
      return true;
    }
    case 0x68: {
      BorrowType t;
      if (!resource_ref(t.resource, "borrow")) return false;
      out.def = t;
      return true;
    }
    case 0x66: {
      StreamType t;
      if (!refuse_async(r, at, "the stream type") || !optional(t.element, "stream")) return false;
      out.def = t;
      return true;
    }
    case 0x65: {
      FutureType t;
      if (!refuse_async(r, at, "the future type") || !optional(t.value, "future")) return false;
      out.def = t;
      return true;
    }
    case 0x63: {
      MapType t;
      if (!valtype(r, scope, t.key) || !valtype(r, scope, t.value)) return false;
      out.def = t;
      return true;
    }
    case 0x40:
    case 0x43: {
      FuncType t;
      t.async = op == 0x43;
      if (t.async && !refuse_async(r, at, "an async function type")) return false;
      if (!r.count(n, max, "function params", 2)) return false;
      for (uint32_t i = 0; i < n; ++i) {
        LabeledType p;
        if (!label(r, p.label, "function param") || !valtype(r, scope, p.type)) return false;
        t.params.push_back(std::move(p));
      }
      uint8_t form = 0;
      if (!r.u8(form, "function results")) return false;
      if (form == 0x00) {
        ValType v;
        if (!valtype(r, scope, v)) return false;
        t.result = v;
      } else if (form == 0x01) {
        uint8_t zero = 0;
        if (!r.u8(zero, "function results")) return false;
        if (zero != 0) return r.fail_at(r.pos() - 1, "named function results are not supported");
      } else {
        return r.fail_at(r.pos() - 1, "bad function result list");
      }
      cls = TypeClass::kFunc;
      out.def = std::move(t);
      return true;
    }
    case 0x41:
    case 0x42: {
      if (depth + 1 > limits_.max_type_depth) {
        return r.fail_at(
            at, "types are nested deeper than the limit of " + std::to_string(limits_.max_type_depth));
      }
      Scope inner;
      inner.kind = op == 0x41 ? Scope::Kind::kComponentType : Scope::Kind::kInstanceType;
      inner.parent = &scope;
      Decls d;
      if (!decls(r, inner, depth + 1, op == 0x41, d)) return false;
      if (op == 0x41) {
        cls = TypeClass::kComponent;
        out.def = ComponentType{std::move(d)};
      } else {
        cls = TypeClass::kInstance;
        out.def = InstanceType{std::move(d)};
      }
      return true;
    }
    case 0x3f: {
      if (scope.kind != Scope::Kind::kComponent) {
        return r.fail_at(at, "a resource type can only be defined in a component, not in a type");
      }
      ResourceType t;
      if (!core_valtype(r, t.rep)) return false;
      if (t.rep != 0x7f) return r.fail_at(r.pos() - 1, "a resource's representation must be i32");
      uint8_t flag = 0;
      if (!r.u8(flag, "resource destructor")) return false;
      if (flag > 1) return r.fail_at(r.pos() - 1, "resource destructor: bad optional flag");
      if (flag == 1) {
        const size_t idx_at = r.pos();
        uint32_t f = 0;
        if (!r.u32(f, "resource destructor") ||
            !check_index(r, idx_at, scope, Sort::kCoreFunc, f, "resource destructor")) {
          return false;
        }
        t.dtor = f;
      }
      cls = TypeClass::kResource;
      out.def = t;
      return true;
    }
    default:
      return r.fail_at(at, "unknown type form " + std::to_string(op));
  }
}

bool Parser::decls(ComponentReader& r, Scope& scope, uint32_t depth, bool component_type, Decls& out) {
  uint32_t n = 0;
  const std::string_view what = component_type ? "component type" : "instance type";
  if (!r.count(n, limits_.max_section_items, what, 2)) return false;
  for (uint32_t i = 0; i < n; ++i) {
    const size_t at = r.pos();
    uint8_t kind = 0;
    if (!r.u8(kind, what)) return false;
    switch (kind) {
      case 0x00: {
        CoreTypeDef t;
        CoreTypeClass cls = CoreTypeClass::kFunc;
        if (!core_type(r, scope, depth, t, cls)) return false;
        out.core_types.push_back(std::move(t));
        out.order.emplace_back(DeclKind::kCoreType, out.core_types.size() - 1);
        if (!add(r, scope, Sort::kCoreType, Origin::kCoreType, out.core_types.size() - 1)) return false;
        scope.core_types.back() = cls;
        break;
      }
      case 0x01: {
        TypeDef t;
        TypeClass cls = TypeClass::kUnknown;
        if (!deftype(r, scope, depth, t, cls)) return false;
        out.types.push_back(std::move(t));
        out.order.emplace_back(DeclKind::kType, out.types.size() - 1);
        if (!add(r, scope, Sort::kType, Origin::kType, out.types.size() - 1)) return false;
        scope.types.back() = cls;
        break;
      }
      case 0x02: {
        Alias a;
        if (!alias(r, scope, true, a)) return false;
        out.aliases.push_back(std::move(a));
        out.order.emplace_back(DeclKind::kAlias, out.aliases.size() - 1);
        if (!add_alias(r, scope, out.aliases.back(), Origin::kAlias, out.aliases.size() - 1)) return false;
        break;
      }
      case 0x03:
      case 0x04: {
        if (kind == 0x03 && !component_type) return r.fail_at(at, "an instance type cannot declare imports");
        ExternDecl d;
        if (!extern_name(r, d.name) || !extern_type(r, scope, d.type)) return false;
        auto& names = kind == 0x03 ? scope.import_names : scope.export_names;
        if (!names.insert(d.name.text).second)
          return r.fail_at(at, std::string(what) + ": duplicate name " + d.name.text);
        auto& list = kind == 0x03 ? out.imports : out.exports;
        list.push_back(std::move(d));
        out.order.emplace_back(kind == 0x03 ? DeclKind::kImport : DeclKind::kExport, list.size() - 1);
        const Origin origin = kind == 0x03 ? Origin::kImport : Origin::kExport;
        if (!add_extern(r, scope, list.back().type, origin, list.size() - 1)) return false;
        break;
      }
      default:
        return r.fail_at(at, std::string(what) + ": unknown declaration " + std::to_string(kind));
    }
  }
  return true;
}

bool Parser::extern_type(ComponentReader& r, const Scope& scope, ExternType& out) {
  const size_t at = r.pos();
  uint8_t kind = 0;
  if (!r.u8(kind, "extern type")) return false;
  const size_t idx_at = r.pos();
  auto typed = [&](ExternKind k, TypeClass want, std::string_view what) {
    out.kind = k;
    if (!r.u32(out.index, what) || !check_index(r, idx_at, scope, Sort::kType, out.index, what)) return false;
    if (!type_is(scope, out.index, want)) {
      return r.fail_at(idx_at, std::string(what) + " extern type: type index " + std::to_string(out.index) +
                                   " is not of that kind");
    }
    return true;
  };
  switch (kind) {
    case 0x00: {
      out.kind = ExternKind::kCoreModule;
      uint8_t sort_byte = 0;
      if (!r.u8(sort_byte, "extern type")) return false;
      if (sort_byte != 0x11)
        return r.fail_at(at, "extern type: only core modules can be imported or exported");
      const size_t core_at = r.pos();
      if (!r.u32(out.index, "core module type") ||
          !check_index(r, core_at, scope, Sort::kCoreType, out.index, "core module type")) {
        return false;
      }
      const CoreTypeClass c = scope.core_types[out.index];
      if (c == CoreTypeClass::kFunc)
        return r.fail_at(core_at, "core type " + std::to_string(out.index) + " is not a module type");
      return true;
    }
    case 0x01:
      return typed(ExternKind::kFunc, TypeClass::kFunc, "func");
    case 0x02: {
      out.kind = ExternKind::kValue;
      uint8_t bound = 0;
      if (!r.u8(bound, "value bound")) return false;
      if (bound == 0x00) {
        out.value_eq = true;
        return r.u32(out.index, "value bound") &&
               check_index(r, r.pos(), scope, Sort::kValue, out.index, "value bound");
      }
      if (bound == 0x01) return valtype(r, scope, out.value_type);
      return r.fail_at(r.pos() - 1, "unknown value bound " + std::to_string(bound));
    }
    case 0x03: {
      out.kind = ExternKind::kType;
      uint8_t bound = 0;
      if (!r.u8(bound, "type bound")) return false;
      if (bound == 0x00) {
        const size_t eq_at = r.pos();
        return r.u32(out.index, "type bound") &&
               check_index(r, eq_at, scope, Sort::kType, out.index, "type bound");
      }
      if (bound == 0x01) {
        out.sub_resource = true;
        return true;
      }
      return r.fail_at(r.pos() - 1, "unknown type bound " + std::to_string(bound));
    }
    case 0x04:
      return typed(ExternKind::kComponent, TypeClass::kComponent, "component");
    case 0x05:
      return typed(ExternKind::kInstance, TypeClass::kInstance, "instance");
    default:
      return r.fail_at(at, "unknown extern type " + std::to_string(kind));
  }
}

bool Parser::add_extern(ComponentReader& r, Scope& scope, const ExternType& type, Origin origin,
                        uint32_t item) {
  if (!add(r, scope, sort_of(type.kind), origin, item)) return false;
  if (type.kind == ExternKind::kType) {
    scope.types.back() = type.sub_resource ? TypeClass::kResource : scope.types[type.index];
  }
  return true;
}

namespace {

bool core_limits(ComponentReader& r, CoreExternType& t) {
  if (!r.u8(t.limits_flags, "limits")) return false;
  if (t.limits_flags > 7) return r.fail_at(r.pos() - 1, "bad limits flags");
  uint64_t max = 0;
  if (!r.u64(t.min, "limits minimum")) return false;
  if ((t.limits_flags & 1) != 0) {
    if (!r.u64(max, "limits maximum")) return false;
    t.max = max;
  }
  return true;
}

}  // namespace

bool Parser::core_type(ComponentReader& r, Scope& scope, uint32_t depth, CoreTypeDef& out,
                       CoreTypeClass& cls) {
  out.offset = r.pos();
  const size_t at = r.pos();
  const uint32_t max = limits_.max_section_items;
  uint8_t form = 0;
  uint32_t n = 0;
  if (!r.u8(form, "core type")) return false;
  if (form == 0x60) {
    CoreFuncType t;
    if (!r.count(n, max, "core function params")) return false;
    for (uint32_t i = 0; i < n; ++i) {
      CoreValType v = 0;
      if (!core_valtype(r, v)) return false;
      t.params.push_back(v);
    }
    if (!r.count(n, max, "core function results")) return false;
    for (uint32_t i = 0; i < n; ++i) {
      CoreValType v = 0;
      if (!core_valtype(r, v)) return false;
      t.results.push_back(v);
    }
    cls = CoreTypeClass::kFunc;
    out.def = std::move(t);
    return true;
  }
  if (form != 0x50) {
    return r.fail_at(at, "unsupported core type form " + std::to_string(form) +
                             " (hookd reads core function and module types, not GC types)");
  }
  if (scope.kind == Scope::Kind::kModuleType)
    return r.fail_at(at, "a module type cannot contain a module type");
  if (depth + 1 > limits_.max_type_depth) {
    return r.fail_at(at,
                     "types are nested deeper than the limit of " + std::to_string(limits_.max_type_depth));
  }
  Scope inner;
  inner.kind = Scope::Kind::kModuleType;
  inner.parent = &scope;
  CoreModuleType t;
  if (!r.count(n, max, "core module type", 2)) return false;
  for (uint32_t i = 0; i < n; ++i) {
    const size_t decl_at = r.pos();
    uint8_t kind = 0;
    CoreModuleDecl d;
    if (!r.u8(kind, "core module type declaration")) return false;
    auto extern_desc = [&]() {
      CoreExternType& e = d.type;
      if (!r.u8(e.kind, "core extern type")) return false;
      const size_t idx_at = r.pos();
      switch (e.kind) {
        case 0x00:
          if (!r.u32(e.type_index, "core func type") ||
              !check_index(r, idx_at, inner, Sort::kCoreType, e.type_index, "core func type")) {
            return false;
          }
          if (inner.core_types[e.type_index] == CoreTypeClass::kModule) {
            return r.fail_at(idx_at, "core type " + std::to_string(e.type_index) + " is not a function type");
          }
          return true;
        case 0x01:
          return core_valtype(r, e.value_type) && core_limits(r, e);
        case 0x02:
          return core_limits(r, e);
        case 0x03: {
          uint8_t mut = 0;
          if (!core_valtype(r, e.value_type) || !r.u8(mut, "global mutability")) return false;
          if (mut > 1) return r.fail_at(r.pos() - 1, "bad global mutability");
          e.mutable_global = mut == 1;
          return true;
        }
        case 0x04: {
          uint8_t attr = 0;
          if (!r.u8(attr, "tag")) return false;
          if (attr != 0) return r.fail_at(r.pos() - 1, "bad tag attribute");
          return r.u32(e.type_index, "tag type") &&
                 check_index(r, r.pos(), inner, Sort::kCoreType, e.type_index, "tag type");
        }
        default:
          return r.fail_at(idx_at - 1, "unknown core extern type " + std::to_string(e.kind));
      }
    };
    switch (kind) {
      case 0x00:
        d.kind = CoreModuleDeclKind::kImport;
        if (!r.name(d.module, "core import module") || !r.name(d.name, "core import name") ||
            !extern_desc()) {
          return false;
        }
        break;
      case 0x01: {
        d.kind = CoreModuleDeclKind::kType;
        CoreTypeDef inner_type;
        CoreTypeClass inner_cls = CoreTypeClass::kFunc;
        if (!core_type(r, inner, depth + 1, inner_type, inner_cls)) return false;
        d.func_type = std::get<CoreFuncType>(inner_type.def);
        if (!add(r, inner, Sort::kCoreType, Origin::kCoreType, i)) return false;
        inner.core_types.back() = CoreTypeClass::kFunc;
        break;
      }
      case 0x02: {
        d.kind = CoreModuleDeclKind::kAlias;
        uint8_t sort_byte = 0;
        uint8_t target = 0;
        if (!r.u8(sort_byte, "core alias") || !r.u8(target, "core alias")) return false;
        if (sort_byte != 0x10 || target != 0x01)
          return r.fail_at(decl_at, "a module type can only alias outer types");
        const size_t idx_at = r.pos();
        if (!r.u32(d.outer_count, "core alias") || !r.u32(d.outer_index, "core alias")) return false;
        const Scope* target_scope = outer_scope(inner, d.outer_count);
        if (target_scope == nullptr)
          return r.fail_at(idx_at, "core outer alias count is past the outermost scope");
        if (!check_index(r, idx_at, *target_scope, Sort::kCoreType, d.outer_index, "core outer alias"))
          return false;
        const CoreTypeClass c = target_scope->core_types[d.outer_index];
        if (!add(r, inner, Sort::kCoreType, Origin::kAlias, i)) return false;
        inner.core_types.back() = c;
        break;
      }
      case 0x03:
        d.kind = CoreModuleDeclKind::kExport;
        if (!r.name(d.name, "core export name") || !extern_desc()) return false;
        break;
      default:
        return r.fail_at(decl_at, "unknown core module type declaration " + std::to_string(kind));
    }
    t.decls.push_back(std::move(d));
  }
  cls = CoreTypeClass::kModule;
  out.def = std::move(t);
  return true;
}

}  // namespace hookd::engine::component
