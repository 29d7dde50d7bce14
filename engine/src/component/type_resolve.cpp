// Type definitions to canonical types (type_resolve.hpp).
#include "component/type_resolve.hpp"

#include <type_traits>
#include <utility>
#include <variant>

namespace hookd::engine::component::loader {

using canonical::ResourceTypeId;
using canonical::TypeId;

uint32_t TypePool::add(TypeEntry e) {
  entries_.push_back(std::move(e));
  return static_cast<uint32_t>(entries_.size() - 1);
}

Result<TypeId> TypePool::value_type(const ValType& v, const Lookup& lookup) {
  if (v.primitive) return prim(v.prim);
  auto t = lookup(v.index);
  if (!t) return std::unexpected(t.error());
  if (entries_[*t].kind != TypeEntry::Kind::kValue)
    return invalid("a value type names a type that is not one");
  return entries_[*t].value;
}

Result<TypeId> TypePool::prim(PrimValType p) {
  using canonical::TypeKind;
  static constexpr std::pair<PrimValType, TypeKind> kMap[] = {
      {PrimValType::kBool, TypeKind::kBool},    {PrimValType::kS8, TypeKind::kS8},
      {PrimValType::kU8, TypeKind::kU8},        {PrimValType::kS16, TypeKind::kS16},
      {PrimValType::kU16, TypeKind::kU16},      {PrimValType::kS32, TypeKind::kS32},
      {PrimValType::kU32, TypeKind::kU32},      {PrimValType::kS64, TypeKind::kS64},
      {PrimValType::kU64, TypeKind::kU64},      {PrimValType::kF32, TypeKind::kF32},
      {PrimValType::kF64, TypeKind::kF64},      {PrimValType::kChar, TypeKind::kChar},
      {PrimValType::kString, TypeKind::kString}};
  for (auto [from, to] : kMap) {
    if (from == p) return arena_.primitive(to);
  }
  return invalid("error-context values are not supported");
}

Result<std::optional<TypeId>> TypePool::opt_type(const std::optional<ValType>& v, const Lookup& lookup) {
  if (!v) return std::optional<TypeId>();
  auto t = value_type(*v, lookup);
  if (!t) return std::unexpected(t.error());
  return std::optional<TypeId>(*t);
}

Result<ResourceTypeId> TypePool::resource_of(uint32_t index, const Lookup& lookup) {
  auto t = lookup(index);
  if (!t) return std::unexpected(t.error());
  if (entries_[*t].kind != TypeEntry::Kind::kResource)
    return invalid("own/borrow of a type that is not a resource");
  return entries_[*t].resource;
}

Result<uint32_t> TypePool::value_entry(Result<TypeId> id) {
  if (!id) return std::unexpected(id.error());
  return add(TypeEntry{.kind = TypeEntry::Kind::kValue, .value = *id});
}

Result<uint32_t> TypePool::define(Scope& scope, const TypeDef& def, const Lookup& lookup,
                                  const DefineResource& define_resource) {
  return std::visit(
      [&](const auto& t) -> Result<uint32_t> {
        using T = std::decay_t<decltype(t)>;
        if constexpr (std::is_same_v<T, PrimValType>) {
          return value_entry(prim(t));
        } else if constexpr (std::is_same_v<T, RecordType>) {
          std::vector<std::string> names;
          std::vector<TypeId> fields;
          for (const auto& f : t.fields) {
            auto ft = value_type(f.type, lookup);
            if (!ft) return std::unexpected(ft.error());
            names.push_back(f.label);
            fields.push_back(*ft);
          }
          return value_entry(arena_.record(std::move(names), std::move(fields)));
        } else if constexpr (std::is_same_v<T, VariantType>) {
          std::vector<std::string> names;
          std::vector<std::optional<TypeId>> cases;
          for (const auto& c : t.cases) {
            auto ct = opt_type(c.type, lookup);
            if (!ct) return std::unexpected(ct.error());
            names.push_back(c.label);
            cases.push_back(*ct);
          }
          return value_entry(arena_.variant(std::move(names), std::move(cases)));
        } else if constexpr (std::is_same_v<T, ListType>) {
          auto e = value_type(t.element, lookup);
          if (!e) return std::unexpected(e.error());
          return value_entry(t.length ? arena_.fixed_list(*e, *t.length) : arena_.list(*e));
        } else if constexpr (std::is_same_v<T, TupleType>) {
          std::vector<TypeId> fields;
          for (const auto& f : t.elements) {
            auto ft = value_type(f, lookup);
            if (!ft) return std::unexpected(ft.error());
            fields.push_back(*ft);
          }
          return value_entry(arena_.tuple(std::move(fields)));
        } else if constexpr (std::is_same_v<T, FlagsType>) {
          return value_entry(arena_.flags(t.labels));
        } else if constexpr (std::is_same_v<T, EnumType>) {
          return value_entry(arena_.enumeration(t.labels));
        } else if constexpr (std::is_same_v<T, OptionType>) {
          auto v = value_type(t.value, lookup);
          if (!v) return std::unexpected(v.error());
          return value_entry(arena_.option(*v));
        } else if constexpr (std::is_same_v<T, ResultType>) {
          auto ok = opt_type(t.ok, lookup);
          if (!ok) return std::unexpected(ok.error());
          auto err = opt_type(t.error, lookup);
          if (!err) return std::unexpected(err.error());
          return value_entry(arena_.result(*ok, *err));
        } else if constexpr (std::is_same_v<T, OwnType> || std::is_same_v<T, BorrowType>) {
          auto r = resource_of(t.resource, lookup);
          if (!r) return std::unexpected(r.error());
          return value_entry(std::is_same_v<T, OwnType> ? arena_.own(*r) : arena_.borrow(*r));
        } else if constexpr (std::is_same_v<T, FuncType>) {
          TypeEntry e{.kind = TypeEntry::Kind::kFunc};
          for (const auto& p : t.params) {
            auto pt = value_type(p.type, lookup);
            if (!pt) return std::unexpected(pt.error());
            e.func.params.push_back(*pt);
          }
          if (t.result) {
            auto rt = value_type(*t.result, lookup);
            if (!rt) return std::unexpected(rt.error());
            e.func.results.push_back(*rt);
          }
          return add(std::move(e));
        } else if constexpr (std::is_same_v<T, InstanceType>) {
          return add(TypeEntry{.kind = TypeEntry::Kind::kInstanceType, .instance_type = &t, .scope = &scope});
        } else if constexpr (std::is_same_v<T, ComponentType>) {
          return add(TypeEntry{.kind = TypeEntry::Kind::kComponentType});
        } else if constexpr (std::is_same_v<T, ResourceType>) {
          auto rt = define_resource(t);
          if (!rt) return std::unexpected(rt.error());
          return add(TypeEntry{.kind = TypeEntry::Kind::kResource, .resource = *rt});
        } else {
          return invalid("stream, future and map types are not supported");
        }
      },
      def.def);
}

}  // namespace hookd::engine::component::loader
