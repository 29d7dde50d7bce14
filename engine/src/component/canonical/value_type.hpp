// The component model's value types, resolved: every type a component
// function passes across its boundary, as the canonical ABI sees it.
//
// Types live in a TypeArena and refer to each other by TypeId (an index into
// it). A type is added after the types it is made of, so the arena is a DAG
// in topological order and every TypeId a builder returns is valid for the
// arena's lifetime. The builders check each shape as the component model's
// validation does (no empty records or variants, 1..32 flags, element sizes
// under 2^28) and bound the nesting depth, so lifting and lowering never see
// a shape they cannot handle and never recurse deeper than kMaxTypeDepth.
//
// Specialised types are stored despecialised beside their kind: a tuple has
// the fields of a record, an enum, option or result the cases of a variant.
// Lifting and lowering only look at the despecialised form; `kind` says what
// the source wrote (for messages and for host code that wants it).
//
// Each type carries its layout (size, alignment, discriminant, flattening),
// computed once when it is added (layout.hpp).
//
// An arena is built once per component when it is loaded and then only read,
// so the workers' instances share it without locking.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hookd/engine/result.hpp"
#include "hookd/engine/wasm_binary.hpp"

namespace hookd::engine::canonical {

using TypeId = uint32_t;
// A resource type: the component's own numbering, fixed when it is loaded.
// Each instance's HandleTable registers its resource types in that order,
// so the ids in the (shared) arena name the same types in every instance.
using ResourceTypeId = uint32_t;

enum class TypeKind : uint8_t {
  kBool,
  kS8,
  kU8,
  kS16,
  kU16,
  kS32,
  kU32,
  kS64,
  kU64,
  kF32,
  kF64,
  kChar,
  kString,
  kList,
  kFixedList,
  kRecord,
  kTuple,
  kVariant,
  kEnum,
  kOption,
  kResult,
  kFlags,
  kOwn,
  kBorrow,
};

std::string_view to_string(TypeKind kind);

// The canonical ABI's limits, from its definition.
inline constexpr uint32_t kMaxFlatParams = 16;
inline constexpr uint32_t kMaxFlatResults = 1;
inline constexpr uint32_t kMaxStringBytes = (1U << 28) - 1;
inline constexpr uint32_t kMaxListBytes = (1U << 28) - 1;
inline constexpr uint32_t kMaxFlags = 32;
// hookd's own bounds on what a component may declare.
inline constexpr uint32_t kMaxTypeDepth = 64;
inline constexpr uint32_t kMaxTypes = 1U << 20;

struct ValueType {
  TypeKind kind = TypeKind::kBool;

  // list, fixed-length list: the element type; fixed-length list: its length.
  TypeId elem = 0;
  uint32_t length = 0;
  // record, tuple: the field types (names: `labels`).
  std::vector<TypeId> fields;
  // variant, enum, option, result: the cases, each with its payload type or
  // none (names: `labels`; option: none, some; result: ok, error).
  std::vector<std::optional<TypeId>> cases;
  // record field names, variant case names, enum and flags labels. Empty for
  // a tuple; for an option or a result, the spec's case names.
  std::vector<std::string> labels;
  // own, borrow: which resource.
  ResourceTypeId resource = 0;

  // Layout (canonical ABI "alignment", "elem_size" and "flatten_type").
  uint32_t size = 0;
  uint32_t align = 1;
  // variant-like: the discriminant's size in bytes (1, 2 or 4) and where the
  // payload starts (the discriminant rounded up to the largest case
  // alignment). flags: `size` is the bit vector's size.
  uint32_t discriminant_size = 0;
  uint32_t payload_offset = 0;
  // Core types of the flattened value, when there are at most
  // kMaxFlatParams of them (a variant: the discriminant, then the join of its
  // cases); `flat_overflow` when there are more, and then `flat` is empty.
  std::vector<ValType> flat;
  bool flat_overflow = false;
  // 1 for a type with no component types inside it.
  uint32_t depth = 1;

  [[nodiscard]] bool is_variant_like() const {
    return kind == TypeKind::kVariant || kind == TypeKind::kEnum || kind == TypeKind::kOption ||
           kind == TypeKind::kResult;
  }
  [[nodiscard]] bool is_record_like() const { return kind == TypeKind::kRecord || kind == TypeKind::kTuple; }
};

// A component function's type. The component model allows at most one
// result today; an empty `results` is a function without one.
struct FunctionType {
  std::vector<TypeId> params;
  std::vector<TypeId> results;
};

class TypeArena {
 public:
  TypeArena();

  [[nodiscard]] const ValueType& operator[](TypeId id) const { return types_[id]; }
  [[nodiscard]] size_t size() const { return types_.size(); }
  [[nodiscard]] bool contains(TypeId id) const { return id < types_.size(); }

  // Primitives are added once, when the arena is made: these never fail.
  [[nodiscard]] TypeId primitive(TypeKind kind) const;
  [[nodiscard]] TypeId boolean() const { return primitive(TypeKind::kBool); }
  [[nodiscard]] TypeId s8() const { return primitive(TypeKind::kS8); }
  [[nodiscard]] TypeId u8() const { return primitive(TypeKind::kU8); }
  [[nodiscard]] TypeId s16() const { return primitive(TypeKind::kS16); }
  [[nodiscard]] TypeId u16() const { return primitive(TypeKind::kU16); }
  [[nodiscard]] TypeId s32() const { return primitive(TypeKind::kS32); }
  [[nodiscard]] TypeId u32() const { return primitive(TypeKind::kU32); }
  [[nodiscard]] TypeId s64() const { return primitive(TypeKind::kS64); }
  [[nodiscard]] TypeId u64() const { return primitive(TypeKind::kU64); }
  [[nodiscard]] TypeId f32() const { return primitive(TypeKind::kF32); }
  [[nodiscard]] TypeId f64() const { return primitive(TypeKind::kF64); }
  [[nodiscard]] TypeId character() const { return primitive(TypeKind::kChar); }
  [[nodiscard]] TypeId string() const { return primitive(TypeKind::kString); }

  // Compound types. Each checks its parts (valid ids, the shape rules
  // above) and fails with kInvalidModule: the input is a component's types.
  Result<TypeId> list(TypeId elem);
  Result<TypeId> fixed_list(TypeId elem, uint32_t length);
  Result<TypeId> record(std::vector<std::string> names, std::vector<TypeId> fields);
  Result<TypeId> tuple(std::vector<TypeId> fields);
  Result<TypeId> variant(std::vector<std::string> names, std::vector<std::optional<TypeId>> cases);
  Result<TypeId> enumeration(std::vector<std::string> labels);
  Result<TypeId> option(TypeId some);
  Result<TypeId> result(std::optional<TypeId> ok, std::optional<TypeId> err);
  Result<TypeId> flags(std::vector<std::string> labels);
  Result<TypeId> own(ResourceTypeId resource);
  Result<TypeId> borrow(ResourceTypeId resource);

 private:
  Result<TypeId> add(ValueType type);

  std::vector<ValueType> types_;
};

}  // namespace hookd::engine::canonical
