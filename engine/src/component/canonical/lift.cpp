// Lifting: guest memory and flat core values -> host Values. Lifting never
// calls the guest, so the memory span read once at the start stays valid.
#include <bit>
#include <cstring>
#include <string>
#include <string_view>

#include "component/canonical/checks.hpp"
#include "component/canonical/layout.hpp"
#include "component/canonical/lift_lower.hpp"
#include "hookd/util/utf8.hpp"

namespace hookd::engine::canonical {
namespace {

constexpr uint64_t kNodeBytes = sizeof(Value);

// Flat core values, consumed in order.
class FlatSource {
 public:
  virtual ~FlatSource() = default;
  virtual Result<Val> next(ValType want) = 0;
};

class SpanSource final : public FlatSource {
 public:
  explicit SpanSource(std::span<const Val> values) : values_(values) {}
  Result<Val> next(ValType want) override {
    if (i_ >= values_.size()) return host_bug("fewer core values than the type flattens to");
    const Val& v = values_[i_++];
    if (v.type != want) return host_bug("a core value of the wrong type");
    return v;
  }
  [[nodiscard]] bool done() const { return i_ == values_.size(); }

 private:
  std::span<const Val> values_;
  size_t i_ = 0;
};

// A variant's payload: the variant passes the join of its cases' flat types
// ("have"), and each case reads its own types ("want") out of them.
class CoercingSource final : public FlatSource {
 public:
  CoercingSource(FlatSource& outer, std::span<const ValType> have) : outer_(outer), have_(have) {}
  Result<Val> next(ValType want) override {
    if (i_ >= have_.size()) return host_bug("a variant case flattens longer than its variant");
    const ValType have = have_[i_++];
    auto v = outer_.next(have);
    if (!v) return v;
    if (have == want) return v;
    if (have == ValType::kI32 && want == ValType::kF32) return f32_val(static_cast<uint32_t>(v->i32));
    if (have == ValType::kI64 && want == ValType::kI32) return Val::I32(static_cast<int32_t>(v->i64));
    if (have == ValType::kI64 && want == ValType::kF32) return f32_val(static_cast<uint32_t>(v->i64));
    if (have == ValType::kI64 && want == ValType::kF64) return f64_val(static_cast<uint64_t>(v->i64));
    return host_bug("a variant join the canonical ABI does not define");
  }
  // Consumes the joined values the case did not use.
  Result<void> skip_rest() {
    while (i_ < have_.size()) {
      if (auto v = outer_.next(have_[i_++]); !v) return std::unexpected(v.error());
    }
    return {};
  }

 private:
  FlatSource& outer_;
  std::span<const ValType> have_;
  size_t i_ = 0;
};

class Lifter {
 public:
  explicit Lifter(Context& cx) : cx_(cx), types_(cx.types), mem_(cx.memory.bytes()) {}

  Result<Value> load(TypeId id, uint32_t ptr) {
    const ValueType& t = types_[id];
    if (auto ok = check_region(mem_, ptr, t.size, t.align, "a value"); !ok)
      return std::unexpected(ok.error());
    switch (t.kind) {
      case TypeKind::kBool:
        return Value::boolean(mem_[ptr] != 0);
      case TypeKind::kS8:
        return Value::s32(static_cast<int8_t>(mem_[ptr]));
      case TypeKind::kU8:
        return Value::u32(mem_[ptr]);
      case TypeKind::kS16:
        return Value::s32(static_cast<int16_t>(read<uint16_t>(ptr)));
      case TypeKind::kU16:
        return Value::u32(read<uint16_t>(ptr));
      case TypeKind::kS32:
        return Value::s32(static_cast<int32_t>(read<uint32_t>(ptr)));
      case TypeKind::kU32:
        return Value::u32(read<uint32_t>(ptr));
      case TypeKind::kS64:
      case TypeKind::kU64:
        return Value::u64(read<uint64_t>(ptr));
      case TypeKind::kF32:
        return lift_f32(read<uint32_t>(ptr));
      case TypeKind::kF64:
        return lift_f64(read<uint64_t>(ptr));
      case TypeKind::kChar:
        return lift_char(read<uint32_t>(ptr));
      case TypeKind::kString:
        return load_string(read<uint32_t>(ptr), read<uint32_t>(ptr + 4));
      case TypeKind::kList:
        return load_list(t.elem, read<uint32_t>(ptr), read<uint32_t>(ptr + 4));
      case TypeKind::kFixedList:
        return load_items(t.elem, ptr, t.length);
      case TypeKind::kRecord:
      case TypeKind::kTuple:
        return load_record(t, ptr);
      case TypeKind::kVariant:
      case TypeKind::kEnum:
      case TypeKind::kOption:
      case TypeKind::kResult:
        return load_variant(t, ptr);
      case TypeKind::kFlags: {
        uint32_t bits = t.size == 1 ? mem_[ptr] : t.size == 2 ? read<uint16_t>(ptr) : read<uint32_t>(ptr);
        return lift_flags(t, bits);
      }
      case TypeKind::kOwn:
      case TypeKind::kBorrow:
        return lift_handle(t, read<uint32_t>(ptr));
    }
    return host_bug("unknown type kind");
  }

  Result<Value> lift(TypeId id, FlatSource& src) {
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
        auto v = i32(src);
        if (!v) return std::unexpected(v.error());
        return lift_i32(t, *v);
      }
      case TypeKind::kS64:
      case TypeKind::kU64: {
        auto v = src.next(ValType::kI64);
        if (!v) return std::unexpected(v.error());
        return Value::u64(static_cast<uint64_t>(v->i64));
      }
      case TypeKind::kF32: {
        auto v = src.next(ValType::kF32);
        if (!v) return std::unexpected(v.error());
        return lift_f32(std::bit_cast<uint32_t>(v->f32));
      }
      case TypeKind::kF64: {
        auto v = src.next(ValType::kF64);
        if (!v) return std::unexpected(v.error());
        return lift_f64(std::bit_cast<uint64_t>(v->f64));
      }
      case TypeKind::kString:
      case TypeKind::kList: {
        auto ptr = i32(src);
        if (!ptr) return std::unexpected(ptr.error());
        auto len = i32(src);
        if (!len) return std::unexpected(len.error());
        return t.kind == TypeKind::kString ? load_string(*ptr, *len) : load_list(t.elem, *ptr, *len);
      }
      case TypeKind::kFixedList: {
        if (auto ok = charge(uint64_t{t.length} * kNodeBytes); !ok) return std::unexpected(ok.error());
        std::vector<Value> items;
        items.reserve(t.length);
        for (uint32_t i = 0; i < t.length; ++i) {
          auto v = lift(t.elem, src);
          if (!v) return v;
          items.push_back(std::move(*v));
        }
        return Value::list(std::move(items));
      }
      case TypeKind::kRecord:
      case TypeKind::kTuple: {
        if (auto ok = charge(t.fields.size() * kNodeBytes); !ok) return std::unexpected(ok.error());
        std::vector<Value> fields;
        fields.reserve(t.fields.size());
        for (TypeId f : t.fields) {
          auto v = lift(f, src);
          if (!v) return v;
          fields.push_back(std::move(*v));
        }
        return Value::record(std::move(fields));
      }
      case TypeKind::kVariant:
      case TypeKind::kEnum:
      case TypeKind::kOption:
      case TypeKind::kResult:
        return lift_variant(t, src);
    }
    return host_bug("unknown type kind");
  }

 private:
  template <class T>
  T read(uint64_t ptr) const {
    T v;
    std::memcpy(&v, mem_.data() + ptr, sizeof(T));  // wasm is little-endian, as is x86_64
    return v;
  }

  static Result<uint32_t> i32(FlatSource& src) {
    auto v = src.next(ValType::kI32);
    if (!v) return std::unexpected(v.error());
    return static_cast<uint32_t>(v->i32);
  }

  // A type passed as one i32: integers narrower than 32 bits ignore the
  // high bits, as the spec's lift_flat_{un,}signed.
  Result<Value> lift_i32(const ValueType& t, uint32_t v) {
    switch (t.kind) {
      case TypeKind::kBool:
        return Value::boolean(v != 0);
      case TypeKind::kS8:
        return Value::s32(static_cast<int8_t>(v));
      case TypeKind::kU8:
        return Value::u32(v & 0xffU);
      case TypeKind::kS16:
        return Value::s32(static_cast<int16_t>(v));
      case TypeKind::kU16:
        return Value::u32(v & 0xffffU);
      case TypeKind::kS32:
        return Value::s32(static_cast<int32_t>(v));
      case TypeKind::kChar:
        return lift_char(v);
      case TypeKind::kFlags:
        return lift_flags(t, v);
      case TypeKind::kOwn:
      case TypeKind::kBorrow:
        return lift_handle(t, v);
      default:
        return Value::u32(v);
    }
  }

  Result<void> charge(uint64_t bytes) {
    if (bytes > cx_.byte_budget) {
      return abi_trap("the value needs more than the " + std::to_string(cx_.byte_budget) +
                      " bytes of host memory left for it");
    }
    cx_.byte_budget -= bytes;
    return {};
  }

  static Result<Value> lift_f32(uint32_t bits) {
    return Value::scalar(is_nan32(bits) ? kCanonicalNan32 : bits);
  }
  static Result<Value> lift_f64(uint64_t bits) {
    return Value::scalar(is_nan64(bits) ? kCanonicalNan64 : bits);
  }

  static Result<Value> lift_char(uint32_t c) {
    if (!is_unicode_scalar(c))
      return abi_trap("char " + std::to_string(c) + " is not a Unicode scalar value");
    return Value::character(c);
  }

  static Result<Value> lift_flags(const ValueType& t, uint32_t bits) {
    // Bits past the labels are ignored, as in the spec.
    const size_t n = t.labels.size();
    return Value::flags(n >= 32 ? bits : bits & ((1U << n) - 1));
  }

  Result<Value> lift_handle(const ValueType& t, uint32_t handle) {
    if (cx_.handles == nullptr) return host_bug("a resource handle without a handle table");
    Result<uint32_t> rep = 0U;
    if (t.kind == TypeKind::kOwn) {
      rep = cx_.handles->take_own(t.resource, handle);
    } else {
      if (cx_.scope == nullptr) return host_bug("a borrow without a call scope");
      rep = cx_.handles->lend(t.resource, handle, *cx_.scope);
    }
    if (!rep) return std::unexpected(rep.error());
    return Value::handle(*rep);
  }

  Result<Value> load_string(uint32_t ptr, uint32_t len) {
    if (len > kMaxStringBytes) return abi_trap("a string of " + std::to_string(len) + " bytes");
    if (auto ok = check_region(mem_, ptr, len, 1, "a string"); !ok) return std::unexpected(ok.error());
    const std::string_view text(reinterpret_cast<const char*>(mem_.data() + ptr), len);
    if (!util::valid_utf8(text)) return abi_trap("a string that is not UTF-8");
    if (cx_.views) return Value::string_view(text);
    if (auto ok = charge(len); !ok) return std::unexpected(ok.error());
    return Value::string(std::string(text));
  }

  Result<Value> load_list(TypeId elem, uint32_t ptr, uint32_t len) {
    const ValueType& e = types_[elem];
    const uint64_t bytes = uint64_t{len} * e.size;
    if (bytes > kMaxListBytes) return abi_trap("a list of " + std::to_string(bytes) + " bytes");
    if (auto ok = check_region(mem_, ptr, bytes, e.align, "a list"); !ok) return std::unexpected(ok.error());
    if (e.kind == TypeKind::kU8) {
      const std::span<const uint8_t> data(mem_.data() + ptr, len);
      if (cx_.views) return Value::bytes_view(data);
      if (auto ok = charge(len); !ok) return std::unexpected(ok.error());
      return Value::bytes(data);
    }
    return load_items(elem, ptr, len);
  }

  Result<Value> load_items(TypeId elem, uint64_t ptr, uint32_t len) {
    if (auto ok = charge(uint64_t{len} * kNodeBytes); !ok) return std::unexpected(ok.error());
    const uint32_t size = types_[elem].size;
    std::vector<Value> items;
    items.reserve(len);
    for (uint32_t i = 0; i < len; ++i) {
      // In range: the caller checked the whole list.
      auto v = load(elem, static_cast<uint32_t>(ptr + uint64_t{i} * size));
      if (!v) return v;
      items.push_back(std::move(*v));
    }
    return Value::list(std::move(items));
  }

  Result<Value> load_record(const ValueType& t, uint32_t ptr) {
    if (auto ok = charge(t.fields.size() * kNodeBytes); !ok) return std::unexpected(ok.error());
    std::vector<Value> fields;
    fields.reserve(t.fields.size());
    uint64_t offset = ptr;
    for (TypeId f : t.fields) {
      offset = align_to(offset, types_[f].align);
      auto v = load(f, static_cast<uint32_t>(offset));
      if (!v) return v;
      fields.push_back(std::move(*v));
      offset += types_[f].size;
    }
    return Value::record(std::move(fields));
  }

  Result<uint32_t> check_case(const ValueType& t, uint32_t index) {
    if (index >= t.cases.size()) {
      return abi_trap(std::string(to_string(t.kind)) + " case " + std::to_string(index) + " of " +
                      std::to_string(t.cases.size()));
    }
    return index;
  }

  Result<Value> load_variant(const ValueType& t, uint32_t ptr) {
    const uint32_t raw = t.discriminant_size == 1   ? mem_[ptr]
                         : t.discriminant_size == 2 ? read<uint16_t>(ptr)
                                                    : read<uint32_t>(ptr);
    auto index = check_case(t, raw);
    if (!index) return std::unexpected(index.error());
    const auto& payload = t.cases[*index];
    if (!payload) return Value::variant(*index);
    if (auto ok = charge(kNodeBytes); !ok) return std::unexpected(ok.error());
    auto v = load(*payload, ptr + t.payload_offset);
    if (!v) return v;
    return Value::variant(*index, std::move(*v));
  }

  Result<Value> lift_variant(const ValueType& t, FlatSource& src) {
    if (t.flat.empty()) return host_bug("a variant too large to pass flat");
    auto raw = i32(src);
    if (!raw) return std::unexpected(raw.error());
    auto index = check_case(t, *raw);
    if (!index) return std::unexpected(index.error());
    CoercingSource payload_src(src, std::span<const ValType>(t.flat).subspan(1));
    std::optional<Value> payload;
    if (const auto& p = t.cases[*index]) {
      if (auto ok = charge(kNodeBytes); !ok) return std::unexpected(ok.error());
      auto v = lift(*p, payload_src);
      if (!v) return v;
      payload = std::move(*v);
    }
    if (auto ok = payload_src.skip_rest(); !ok) return std::unexpected(ok.error());
    return Value::variant(*index, std::move(payload));
  }

  Context& cx_;
  const TypeArena& types_;
  std::span<uint8_t> mem_;
};

}  // namespace

Result<Value> load(Context& cx, TypeId type, uint32_t ptr) {
  if (!cx.types.contains(type)) return host_bug("unknown type");
  return Lifter(cx).load(type, ptr);
}

Result<Value> lift_flat(Context& cx, TypeId type, std::span<const Val> flat) {
  if (!cx.types.contains(type)) return host_bug("unknown type");
  if (cx.types[type].flat_overflow) return host_bug("the type has too many flat values to pass them flat");
  SpanSource src(flat);
  auto v = Lifter(cx).lift(type, src);
  if (v && !src.done()) return host_bug("more core values than the type flattens to");
  return v;
}

Result<std::vector<Value>> lift_values(Context& cx, std::span<const TypeId> types, std::span<const Val> flat,
                                       uint32_t max_flat) {
  for (TypeId t : types) {
    if (!cx.types.contains(t)) return host_bug("unknown type");
  }
  Lifter lifter(cx);
  std::vector<Value> values;
  values.reserve(types.size());
  if (flat_count(cx.types, types) > max_flat) {
    if (flat.size() != 1 || flat[0].type != ValType::kI32)
      return host_bug("spilled values need one i32 pointer");
    const uint32_t ptr = static_cast<uint32_t>(flat[0].i32);
    const TupleLayout tuple = tuple_layout(cx.types, types);
    if (auto ok = check_region(cx.memory.bytes(), ptr, tuple.size, tuple.align, "spilled values"); !ok) {
      return std::unexpected(ok.error());
    }
    uint64_t offset = ptr;
    for (TypeId t : types) {
      offset = align_to(offset, cx.types[t].align);
      auto v = lifter.load(t, static_cast<uint32_t>(offset));
      if (!v) return std::unexpected(v.error());
      values.push_back(std::move(*v));
      offset += cx.types[t].size;
    }
    return values;
  }
  SpanSource src(flat);
  for (TypeId t : types) {
    auto v = lifter.lift(t, src);
    if (!v) return std::unexpected(v.error());
    values.push_back(std::move(*v));
  }
  if (!src.done()) return host_bug("more core values than the types flatten to");
  return values;
}

}  // namespace hookd::engine::canonical
