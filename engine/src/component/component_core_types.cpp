// Core types inside a component (Binary.md "core:type"): core value types,
// function types and module types with their declarations.
#include "component_parser.hpp"

namespace hookd::engine::component {

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
