#include "component/canonical/layout.hpp"

#include <algorithm>
#include <string>

namespace hookd::engine::canonical {
namespace {

// Element sizes stay below 2^28 (component validation), so sums of a few of
// them never overflow 64 bits.
constexpr uint64_t kMaxElemSize = (1U << 28) - 1;

void flatten_into(const TypeArena& arena, const ValueType& type, std::vector<ValType>& flat, bool& overflow) {
  auto append = [&](std::span<const ValType> more) {
    if (flat.size() + more.size() > kMaxFlatParams) {
      overflow = true;
      flat.clear();
      return;
    }
    flat.insert(flat.end(), more.begin(), more.end());
  };
  switch (type.kind) {
    case TypeKind::kBool:
    case TypeKind::kS8:
    case TypeKind::kU8:
    case TypeKind::kS16:
    case TypeKind::kU16:
    case TypeKind::kS32:
    case TypeKind::kU32:
    case TypeKind::kChar:
    case TypeKind::kFlags:
    case TypeKind::kOwn:
    case TypeKind::kBorrow:
      flat.push_back(ValType::kI32);
      return;
    case TypeKind::kS64:
    case TypeKind::kU64:
      flat.push_back(ValType::kI64);
      return;
    case TypeKind::kF32:
      flat.push_back(ValType::kF32);
      return;
    case TypeKind::kF64:
      flat.push_back(ValType::kF64);
      return;
    case TypeKind::kString:
    case TypeKind::kList:
      flat.push_back(ValType::kI32);
      flat.push_back(ValType::kI32);
      return;
    case TypeKind::kFixedList: {
      const auto& elem = arena[type.elem];
      if (elem.flat_overflow || static_cast<uint64_t>(elem.flat.size()) * type.length > kMaxFlatParams) {
        overflow = true;
        return;
      }
      for (uint32_t i = 0; i < type.length; ++i) append(elem.flat);
      return;
    }
    case TypeKind::kRecord:
    case TypeKind::kTuple:
      for (TypeId f : type.fields) {
        const auto& field = arena[f];
        if (field.flat_overflow) {
          overflow = true;
          flat.clear();
          return;
        }
        append(field.flat);
        if (overflow) return;
      }
      return;
    case TypeKind::kVariant:
    case TypeKind::kEnum:
    case TypeKind::kOption:
    case TypeKind::kResult: {
      flat.push_back(ValType::kI32);  // the discriminant, at most 4 bytes
      std::vector<ValType> joined;
      for (const auto& c : type.cases) {
        if (!c) continue;
        const auto& payload = arena[*c];
        if (payload.flat_overflow || payload.flat.size() + 1 > kMaxFlatParams) {
          overflow = true;
          flat.clear();
          return;
        }
        for (size_t i = 0; i < payload.flat.size(); ++i) {
          if (i < joined.size()) {
            joined[i] = join(joined[i], payload.flat[i]);
          } else {
            joined.push_back(payload.flat[i]);
          }
        }
      }
      append(joined);
      return;
    }
  }
}

}  // namespace

uint32_t discriminant_size(size_t cases) {
  if (cases <= 0x100) return 1;
  if (cases <= 0x10000) return 2;
  return 4;
}

ValType join(ValType a, ValType b) {
  if (a == b) return a;
  if ((a == ValType::kI32 && b == ValType::kF32) || (a == ValType::kF32 && b == ValType::kI32)) {
    return ValType::kI32;
  }
  return ValType::kI64;
}

Result<void> compute_layout(const TypeArena& arena, ValueType& type) {
  uint64_t size = 0;
  uint32_t align = 1;
  uint32_t depth = 1;
  switch (type.kind) {
    case TypeKind::kBool:
    case TypeKind::kS8:
    case TypeKind::kU8:
      size = align = 1;
      break;
    case TypeKind::kS16:
    case TypeKind::kU16:
      size = align = 2;
      break;
    case TypeKind::kS32:
    case TypeKind::kU32:
    case TypeKind::kF32:
    case TypeKind::kChar:
    case TypeKind::kOwn:
    case TypeKind::kBorrow:
      size = align = 4;
      break;
    case TypeKind::kS64:
    case TypeKind::kU64:
    case TypeKind::kF64:
      size = align = 8;
      break;
    case TypeKind::kString:
    case TypeKind::kList:
      size = 8;
      align = 4;
      depth = type.kind == TypeKind::kList ? arena[type.elem].depth + 1 : 1;
      break;
    case TypeKind::kFixedList: {
      const auto& elem = arena[type.elem];
      size = static_cast<uint64_t>(elem.size) * type.length;
      align = elem.align;
      depth = elem.depth + 1;
      break;
    }
    case TypeKind::kRecord:
    case TypeKind::kTuple:
      for (TypeId f : type.fields) {
        const auto& field = arena[f];
        size = align_to(size, field.align) + field.size;
        align = std::max(align, field.align);
        depth = std::max(depth, field.depth + 1);
        if (size > kMaxElemSize) break;
      }
      size = align_to(size, align);
      break;
    case TypeKind::kVariant:
    case TypeKind::kEnum:
    case TypeKind::kOption:
    case TypeKind::kResult: {
      const uint32_t disc = discriminant_size(type.cases.size());
      uint32_t case_align = 1;
      uint64_t case_size = 0;
      for (const auto& c : type.cases) {
        if (!c) continue;
        const auto& payload = arena[*c];
        case_align = std::max(case_align, payload.align);
        case_size = std::max<uint64_t>(case_size, payload.size);
        depth = std::max(depth, payload.depth + 1);
      }
      type.discriminant_size = disc;
      type.payload_offset = static_cast<uint32_t>(align_to(disc, case_align));
      align = std::max(disc, case_align);
      size = align_to(type.payload_offset + case_size, align);
      break;
    }
    case TypeKind::kFlags: {
      const size_t n = type.labels.size();
      size = align = n <= 8 ? 1 : n <= 16 ? 2 : 4;
      break;
    }
  }
  if (size > kMaxElemSize) {
    return fail(ErrorKind::kInvalidModule, std::string("component type: a ") +
                                               std::string(to_string(type.kind)) + " of 2^28 bytes or more");
  }
  if (depth > kMaxTypeDepth) {
    return fail(ErrorKind::kInvalidModule,
                "component type: nested deeper than " + std::to_string(kMaxTypeDepth) + " levels");
  }
  type.size = static_cast<uint32_t>(size);
  type.align = align;
  type.depth = depth;
  type.flat.clear();
  type.flat_overflow = false;
  flatten_into(arena, type, type.flat, type.flat_overflow);
  return {};
}

TupleLayout tuple_layout(const TypeArena& arena, std::span<const TypeId> types) {
  uint64_t size = 0;
  uint32_t align = 1;
  for (TypeId t : types) {
    size = align_to(size, arena[t].align) + arena[t].size;
    align = std::max(align, arena[t].align);
  }
  return {align_to(size, align), align};
}

uint32_t flat_count(const TypeArena& arena, std::span<const TypeId> types) {
  uint64_t n = 0;
  for (TypeId t : types) {
    const auto& type = arena[t];
    n += type.flat_overflow ? kMaxFlatParams + 1 : type.flat.size();
    if (n > kMaxFlatParams) return kMaxFlatParams + 1;
  }
  return static_cast<uint32_t>(n);
}

void append_flat(const TypeArena& arena, std::span<const TypeId> types, std::vector<ValType>& out) {
  for (TypeId t : types) out.insert(out.end(), arena[t].flat.begin(), arena[t].flat.end());
}

CoreSignature flatten_function(const TypeArena& arena, const FunctionType& fn, Direction direction) {
  CoreSignature sig;
  if (flat_count(arena, fn.params) > kMaxFlatParams) {
    sig.params_in_memory = true;
    sig.core.params.push_back(ValType::kI32);
  } else {
    append_flat(arena, fn.params, sig.core.params);
  }
  if (flat_count(arena, fn.results) > kMaxFlatResults) {
    sig.results_in_memory = true;
    if (direction == Direction::kLift) {
      sig.core.results.push_back(ValType::kI32);
    } else {
      sig.core.params.push_back(ValType::kI32);
    }
  } else {
    append_flat(arena, fn.results, sig.core.results);
  }
  return sig;
}

}  // namespace hookd::engine::canonical
