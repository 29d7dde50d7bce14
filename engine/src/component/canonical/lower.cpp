// Lowering: host Values -> guest memory and flat core values. Allocating
// (realloc) runs guest code, which may grow and move the memory: the span is
// read again after every allocation, and every block the guest hands back is
// checked before anything is written to it.
#include <bit>
#include <cstring>
#include <string>

#include "component/canonical/checks.hpp"
#include "component/canonical/layout.hpp"
#include "component/canonical/lift_lower.hpp"
#include "hookd/util/utf8.hpp"

namespace hookd::engine::canonical {
namespace {

std::unexpected<Error> mismatch(const ValueType& t) {
  return host_bug("a host value that is not a " + std::string(to_string(t.kind)));
}

Val zero(ValType t) {
  switch (t) {
    case ValType::kI64:
      return Val::I64(0);
    case ValType::kF32:
      return f32_val(0);
    case ValType::kF64:
      return f64_val(0);
    default:
      return Val::I32(0);
  }
}

// A case's flat value `v` (of type `have`) in the variant's joined slot
// (`want`): bit casts and zero extension.
Result<Val> widen(Val v, ValType have, ValType want) {
  if (have == want) return v;
  if (have == ValType::kF32 && want == ValType::kI32) return Val::I32(std::bit_cast<int32_t>(v.f32));
  if (have == ValType::kI32 && want == ValType::kI64) return Val::I64(static_cast<uint32_t>(v.i32));
  if (have == ValType::kF32 && want == ValType::kI64) return Val::I64(std::bit_cast<uint32_t>(v.f32));
  if (have == ValType::kF64 && want == ValType::kI64) return Val::I64(std::bit_cast<int64_t>(v.f64));
  return host_bug("a variant join the canonical ABI does not define");
}

class Lowerer {
 public:
  explicit Lowerer(Context& cx) : cx_(cx), types_(cx.types), mem_(cx.memory.bytes()) {}

  Result<void> store(TypeId id, const Value& v, uint64_t ptr) {
    const ValueType& t = types_[id];
    if (auto ok = check_region(mem_, ptr, t.size, t.align, "a value"); !ok) return ok;
    switch (t.kind) {
      case TypeKind::kBool:
      case TypeKind::kS8:
      case TypeKind::kU8:
      case TypeKind::kS16:
      case TypeKind::kU16:
      case TypeKind::kS32:
      case TypeKind::kU32:
      case TypeKind::kS64:
      case TypeKind::kU64:
      case TypeKind::kF32:
      case TypeKind::kF64:
      case TypeKind::kChar:
      case TypeKind::kFlags:
      case TypeKind::kOwn:
      case TypeKind::kBorrow: {
        auto bits = scalar_bits(t, v);
        if (!bits) return std::unexpected(bits.error());
        write(ptr, *bits, t.size);
        return {};
      }
      case TypeKind::kString:
      case TypeKind::kList: {
        auto range = store_range(t, v);
        if (!range) return std::unexpected(range.error());
        // realloc may have moved the memory; the slot was checked against
        // the old span, which the new one is at least as long as.
        if (auto ok = check_region(mem_, ptr, 8, 4, "a value"); !ok) return ok;
        write(ptr, range->first, 4);
        write(ptr + 4, range->second, 4);
        return {};
      }
      case TypeKind::kFixedList: {
        if (v.form() != Value::Form::kItems || v.items().size() != t.length) return mismatch(t);
        const uint32_t size = types_[t.elem].size;
        for (uint32_t i = 0; i < t.length; ++i) {
          if (auto ok = store(t.elem, v.items()[i], ptr + uint64_t{i} * size); !ok) return ok;
        }
        return {};
      }
      case TypeKind::kRecord:
      case TypeKind::kTuple: {
        if (v.form() != Value::Form::kItems || v.items().size() != t.fields.size()) return mismatch(t);
        uint64_t offset = ptr;
        for (size_t i = 0; i < t.fields.size(); ++i) {
          const ValueType& f = types_[t.fields[i]];
          offset = align_to(offset, f.align);
          if (auto ok = store(t.fields[i], v.items()[i], offset); !ok) return ok;
          offset += f.size;
        }
        return {};
      }
      case TypeKind::kVariant:
      case TypeKind::kEnum:
      case TypeKind::kOption:
      case TypeKind::kResult: {
        auto payload = check_case(t, v);
        if (!payload) return std::unexpected(payload.error());
        write(ptr, v.case_index(), t.discriminant_size);
        if (*payload == nullptr) return {};
        return store(*t.cases[v.case_index()], **payload, ptr + t.payload_offset);
      }
    }
    return host_bug("unknown type kind");
  }

  Result<void> lower(TypeId id, const Value& v, std::vector<Val>& out) {
    const ValueType& t = types_[id];
    switch (t.kind) {
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
      case TypeKind::kBorrow: {
        auto bits = scalar_bits(t, v);
        if (!bits) return std::unexpected(bits.error());
        // Signed types narrower than 32 bits are passed sign-extended.
        out.push_back(Val::I32(static_cast<int32_t>(sign_extend(t, *bits))));
        return {};
      }
      case TypeKind::kS64:
      case TypeKind::kU64:
        if (v.form() != Value::Form::kScalar) return mismatch(t);
        out.push_back(Val::I64(static_cast<int64_t>(v.bits())));
        return {};
      case TypeKind::kF32:
        if (v.form() != Value::Form::kScalar) return mismatch(t);
        out.push_back(f32_val(static_cast<uint32_t>(v.bits())));
        return {};
      case TypeKind::kF64:
        if (v.form() != Value::Form::kScalar) return mismatch(t);
        out.push_back(f64_val(v.bits()));
        return {};
      case TypeKind::kString:
      case TypeKind::kList: {
        auto range = store_range(t, v);
        if (!range) return std::unexpected(range.error());
        out.push_back(Val::I32(static_cast<int32_t>(range->first)));
        out.push_back(Val::I32(static_cast<int32_t>(range->second)));
        return {};
      }
      case TypeKind::kFixedList:
        if (v.form() != Value::Form::kItems || v.items().size() != t.length) return mismatch(t);
        for (const Value& item : v.items()) {
          if (auto ok = lower(t.elem, item, out); !ok) return ok;
        }
        return {};
      case TypeKind::kRecord:
      case TypeKind::kTuple:
        if (v.form() != Value::Form::kItems || v.items().size() != t.fields.size()) return mismatch(t);
        for (size_t i = 0; i < t.fields.size(); ++i) {
          if (auto ok = lower(t.fields[i], v.items()[i], out); !ok) return ok;
        }
        return {};
      case TypeKind::kVariant:
      case TypeKind::kEnum:
      case TypeKind::kOption:
      case TypeKind::kResult:
        return lower_variant(t, v, out);
    }
    return host_bug("unknown type kind");
  }

  // Spilled values: a tuple at `ptr`, checked here (a guest's return area
  // or a block from realloc).
  Result<void> store_tuple(std::span<const TypeId> types, std::span<const Value> values, uint32_t ptr) {
    const TupleLayout tuple = tuple_layout(types_, types);
    if (auto ok = check_region(mem_, ptr, tuple.size, tuple.align, "spilled values"); !ok) return ok;
    uint64_t offset = ptr;
    for (size_t i = 0; i < types.size(); ++i) {
      offset = align_to(offset, types_[types[i]].align);
      if (auto ok = store(types[i], values[i], offset); !ok) return ok;
      offset += types_[types[i]].size;
    }
    return {};
  }

  // A fresh block of `bytes` from the guest, aligned and in its memory.
  Result<uint32_t> allocate(uint32_t align, uint64_t bytes, const char* what) {
    if (cx_.realloc == nullptr) return host_bug("lowering needs the guest's realloc");
    if (bytes > UINT32_MAX) return host_bug(std::string(what) + " of 4 GiB or more");
    auto ptr = cx_.realloc->realloc(0, 0, align, static_cast<uint32_t>(bytes));
    if (!ptr) return ptr;
    mem_ = cx_.memory.bytes();
    if (auto ok = check_region(mem_, *ptr, bytes, align, what); !ok) return std::unexpected(ok.error());
    return ptr;
  }

 private:
  void write(uint64_t ptr, uint64_t bits, uint32_t size) {
    std::memcpy(mem_.data() + ptr, &bits, size);  // little-endian: the low `size` bytes
  }

  static uint64_t sign_extend(const ValueType& t, uint64_t bits) {
    if (t.kind == TypeKind::kS8) return static_cast<uint64_t>(static_cast<int8_t>(bits));
    if (t.kind == TypeKind::kS16) return static_cast<uint64_t>(static_cast<int16_t>(bits));
    return bits;
  }

  // The bits of a scalar-like value (integers are truncated to the type's
  // width, flags to their labels), with handles lowered into the table.
  Result<uint64_t> scalar_bits(const ValueType& t, const Value& v) {
    if (v.form() != Value::Form::kScalar) return mismatch(t);
    const uint64_t bits = v.bits();
    switch (t.kind) {
      case TypeKind::kBool:
        return bits != 0 ? 1 : 0;
      case TypeKind::kChar:
        if (!is_unicode_scalar(static_cast<uint32_t>(bits)) || bits > 0xffffffffU) {
          return host_bug("a char that is not a Unicode scalar value");
        }
        return bits;
      case TypeKind::kFlags: {
        const size_t n = t.labels.size();
        return n >= 32 ? bits & 0xffffffffU : bits & ((1U << n) - 1);
      }
      case TypeKind::kOwn:
      case TypeKind::kBorrow: {
        if (cx_.handles == nullptr) return host_bug("a resource handle without a handle table");
        const auto rep = static_cast<uint32_t>(bits);
        if (t.kind == TypeKind::kOwn) return cx_.handles->new_own(t.resource, rep);
        if (cx_.scope == nullptr) return host_bug("a borrow without a call scope");
        return cx_.handles->new_borrow(t.resource, rep, *cx_.scope);
      }
      case TypeKind::kS64:
      case TypeKind::kU64:
      case TypeKind::kF64:
        return bits;
      default:
        return t.size == 4 ? bits & 0xffffffffU : t.size == 2 ? bits & 0xffffU : bits & 0xffU;
    }
  }

  // A string or list's contents, in a new block: (pointer, length).
  Result<std::pair<uint32_t, uint32_t>> store_range(const ValueType& t, const Value& v) {
    if (v.is_view()) return host_bug("lowering a view into guest memory (detach() it first)");
    if (t.kind == TypeKind::kString) {
      if (v.form() != Value::Form::kText) return mismatch(t);
      const std::string_view text = v.text();
      if (text.size() > kMaxStringBytes) return host_bug("a string of 2^28 bytes or more");
      if (!util::valid_utf8(text)) return host_bug("a string that is not UTF-8");
      auto ptr = allocate(1, text.size(), "a string");
      if (!ptr) return std::unexpected(ptr.error());
      if (!text.empty()) std::memcpy(mem_.data() + *ptr, text.data(), text.size());
      return std::pair{*ptr, static_cast<uint32_t>(text.size())};
    }
    const ValueType& e = types_[t.elem];
    if (v.form() == Value::Form::kBytes && e.kind == TypeKind::kU8) {
      const auto data = v.bytes();
      if (data.size() > kMaxListBytes) return host_bug("a list of 2^28 bytes or more");
      auto ptr = allocate(1, data.size(), "a list");
      if (!ptr) return std::unexpected(ptr.error());
      if (!data.empty()) std::memcpy(mem_.data() + *ptr, data.data(), data.size());
      return std::pair{*ptr, static_cast<uint32_t>(data.size())};
    }
    if (v.form() != Value::Form::kItems) return mismatch(t);
    const auto items = v.items();
    const uint64_t bytes = uint64_t{items.size()} * e.size;
    if (bytes > kMaxListBytes) return host_bug("a list of 2^28 bytes or more");
    auto ptr = allocate(e.align, bytes, "a list");
    if (!ptr) return std::unexpected(ptr.error());
    for (size_t i = 0; i < items.size(); ++i) {
      if (auto ok = store(t.elem, items[i], *ptr + uint64_t{i} * e.size); !ok)
        return std::unexpected(ok.error());
    }
    return std::pair{*ptr, static_cast<uint32_t>(items.size())};
  }

  static Result<const Value*> check_case(const ValueType& t, const Value& v) {
    if (v.form() != Value::Form::kCase || v.case_index() >= t.cases.size()) return mismatch(t);
    const bool has_type = t.cases[v.case_index()].has_value();
    if (has_type != (v.payload() != nullptr)) return host_bug("a variant case with the wrong payload");
    return v.payload();
  }

  Result<void> lower_variant(const ValueType& t, const Value& v, std::vector<Val>& out) {
    if (t.flat.empty()) return host_bug("a variant too large to pass flat");
    auto payload = check_case(t, v);
    if (!payload) return std::unexpected(payload.error());
    out.push_back(Val::I32(static_cast<int32_t>(v.case_index())));
    const std::span<const ValType> joined = std::span<const ValType>(t.flat).subspan(1);
    size_t used = 0;
    if (*payload != nullptr) {
      const TypeId case_type = *t.cases[v.case_index()];
      const size_t start = out.size();
      if (auto ok = lower(case_type, **payload, out); !ok) return ok;
      const auto& have = types_[case_type].flat;
      used = out.size() - start;
      if (used != have.size() || used > joined.size()) return host_bug("a variant case flattens wrongly");
      for (size_t i = 0; i < used; ++i) {
        auto w = widen(out[start + i], have[i], joined[i]);
        if (!w) return std::unexpected(w.error());
        out[start + i] = *w;
      }
    }
    for (size_t i = used; i < joined.size(); ++i) out.push_back(zero(joined[i]));
    return {};
  }

  Context& cx_;
  const TypeArena& types_;
  std::span<uint8_t> mem_;
};

}  // namespace

Result<void> store(Context& cx, TypeId type, const Value& value, uint32_t ptr) {
  if (!cx.types.contains(type)) return host_bug("unknown type");
  return Lowerer(cx).store(type, value, ptr);
}

Result<void> lower_flat(Context& cx, TypeId type, const Value& value, std::vector<Val>& out) {
  if (!cx.types.contains(type)) return host_bug("unknown type");
  if (cx.types[type].flat_overflow) return host_bug("the type has too many flat values to pass them flat");
  return Lowerer(cx).lower(type, value, out);
}

Result<void> lower_values(Context& cx, std::span<const TypeId> types, std::span<const Value> values,
                          uint32_t max_flat, std::vector<Val>& out, std::optional<uint32_t> out_ptr) {
  if (types.size() != values.size()) return host_bug("as many values as types are needed");
  for (TypeId t : types) {
    if (!cx.types.contains(t)) return host_bug("unknown type");
  }
  Lowerer lowerer(cx);
  if (flat_count(cx.types, types) > max_flat) {
    uint32_t ptr = 0;
    if (out_ptr) {
      ptr = *out_ptr;
    } else {
      const TupleLayout tuple = tuple_layout(cx.types, types);
      auto block = lowerer.allocate(tuple.align, tuple.size, "spilled values");
      if (!block) return std::unexpected(block.error());
      ptr = *block;
      out.push_back(Val::I32(static_cast<int32_t>(ptr)));
    }
    return lowerer.store_tuple(types, values, ptr);
  }
  for (size_t i = 0; i < types.size(); ++i) {
    if (auto ok = lowerer.lower(types[i], values[i], out); !ok) return ok;
  }
  return {};
}

}  // namespace hookd::engine::canonical
