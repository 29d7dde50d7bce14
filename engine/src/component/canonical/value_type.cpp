#include "component/canonical/value_type.hpp"

#include <array>
#include <string>
#include <utility>

#include "component/canonical/layout.hpp"

namespace hookd::engine::canonical {
namespace {

constexpr std::array kPrimitives = {
    TypeKind::kBool, TypeKind::kS8,   TypeKind::kU8,     TypeKind::kS16, TypeKind::kU16,
    TypeKind::kS32,  TypeKind::kU32,  TypeKind::kS64,    TypeKind::kU64, TypeKind::kF32,
    TypeKind::kF64,  TypeKind::kChar, TypeKind::kString,
};

std::unexpected<Error> bad_type(std::string message) {
  return fail(ErrorKind::kInvalidModule, "component type: " + std::move(message));
}

}  // namespace

std::string_view to_string(TypeKind kind) {
  switch (kind) {
    case TypeKind::kBool:
      return "bool";
    case TypeKind::kS8:
      return "s8";
    case TypeKind::kU8:
      return "u8";
    case TypeKind::kS16:
      return "s16";
    case TypeKind::kU16:
      return "u16";
    case TypeKind::kS32:
      return "s32";
    case TypeKind::kU32:
      return "u32";
    case TypeKind::kS64:
      return "s64";
    case TypeKind::kU64:
      return "u64";
    case TypeKind::kF32:
      return "f32";
    case TypeKind::kF64:
      return "f64";
    case TypeKind::kChar:
      return "char";
    case TypeKind::kString:
      return "string";
    case TypeKind::kList:
      return "list";
    case TypeKind::kFixedList:
      return "fixed-length list";
    case TypeKind::kRecord:
      return "record";
    case TypeKind::kTuple:
      return "tuple";
    case TypeKind::kVariant:
      return "variant";
    case TypeKind::kEnum:
      return "enum";
    case TypeKind::kOption:
      return "option";
    case TypeKind::kResult:
      return "result";
    case TypeKind::kFlags:
      return "flags";
    case TypeKind::kOwn:
      return "own";
    case TypeKind::kBorrow:
      return "borrow";
  }
  return "?";
}

TypeArena::TypeArena() {
  types_.reserve(kPrimitives.size());
  for (TypeKind kind : kPrimitives) {
    ValueType type;
    type.kind = kind;
    [[maybe_unused]] const Result<void> laid = compute_layout(*this, type);  // primitives always fit
    types_.push_back(std::move(type));
  }
}

TypeId TypeArena::primitive(TypeKind kind) const {
  // The primitives are the arena's first types, in TypeKind order.
  return static_cast<TypeId>(kind);
}

Result<TypeId> TypeArena::add(ValueType type) {
  if (types_.size() >= kMaxTypes) return bad_type("more than " + std::to_string(kMaxTypes) + " types");
  auto valid = [&](TypeId id) { return id < types_.size(); };
  if ((type.kind == TypeKind::kList || type.kind == TypeKind::kFixedList) && !valid(type.elem)) {
    return bad_type("list element type index out of range");
  }
  for (TypeId f : type.fields) {
    if (!valid(f)) return bad_type("field type index out of range");
  }
  for (const auto& c : type.cases) {
    if (c && !valid(*c)) return bad_type("case type index out of range");
  }
  if (auto laid = compute_layout(*this, type); !laid) return std::unexpected(laid.error());
  types_.push_back(std::move(type));
  return static_cast<TypeId>(types_.size() - 1);
}

Result<TypeId> TypeArena::list(TypeId elem) {
  ValueType type;
  type.kind = TypeKind::kList;
  type.elem = elem;
  return add(std::move(type));
}

Result<TypeId> TypeArena::fixed_list(TypeId elem, uint32_t length) {
  if (length == 0) return bad_type("a fixed-length list of length 0");
  ValueType type;
  type.kind = TypeKind::kFixedList;
  type.elem = elem;
  type.length = length;
  return add(std::move(type));
}

Result<TypeId> TypeArena::record(std::vector<std::string> names, std::vector<TypeId> fields) {
  if (fields.empty()) return bad_type("a record without fields");
  if (names.size() != fields.size()) return bad_type("record names and fields differ in number");
  ValueType type;
  type.kind = TypeKind::kRecord;
  type.labels = std::move(names);
  type.fields = std::move(fields);
  return add(std::move(type));
}

Result<TypeId> TypeArena::tuple(std::vector<TypeId> fields) {
  if (fields.empty()) return bad_type("a tuple without fields");
  ValueType type;
  type.kind = TypeKind::kTuple;
  type.fields = std::move(fields);
  return add(std::move(type));
}

Result<TypeId> TypeArena::variant(std::vector<std::string> names, std::vector<std::optional<TypeId>> cases) {
  if (cases.empty()) return bad_type("a variant without cases");
  if (names.size() != cases.size()) return bad_type("variant names and cases differ in number");
  ValueType type;
  type.kind = TypeKind::kVariant;
  type.labels = std::move(names);
  type.cases = std::move(cases);
  return add(std::move(type));
}

Result<TypeId> TypeArena::enumeration(std::vector<std::string> labels) {
  if (labels.empty()) return bad_type("an enum without labels");
  ValueType type;
  type.kind = TypeKind::kEnum;
  type.cases.resize(labels.size());
  type.labels = std::move(labels);
  return add(std::move(type));
}

Result<TypeId> TypeArena::option(TypeId some) {
  ValueType type;
  type.kind = TypeKind::kOption;
  type.labels = {"none", "some"};
  type.cases = {std::nullopt, some};
  return add(std::move(type));
}

Result<TypeId> TypeArena::result(std::optional<TypeId> ok, std::optional<TypeId> err) {
  ValueType type;
  type.kind = TypeKind::kResult;
  type.labels = {"ok", "error"};
  type.cases = {ok, err};
  return add(std::move(type));
}

Result<TypeId> TypeArena::flags(std::vector<std::string> labels) {
  if (labels.empty() || labels.size() > kMaxFlags) return bad_type("flags need 1 to 32 labels");
  ValueType type;
  type.kind = TypeKind::kFlags;
  type.labels = std::move(labels);
  return add(std::move(type));
}

Result<TypeId> TypeArena::own(ResourceTypeId resource) {
  ValueType type;
  type.kind = TypeKind::kOwn;
  type.resource = resource;
  return add(std::move(type));
}

Result<TypeId> TypeArena::borrow(ResourceTypeId resource) {
  ValueType type;
  type.kind = TypeKind::kBorrow;
  type.resource = resource;
  return add(std::move(type));
}

}  // namespace hookd::engine::canonical
