// The canonical ABI's lifting (engine/src/component/canonical) on a fuzzed
// type, guest memory, core values and handle table, and lowering what it
// lifted. Input: a type program (one byte picks each type's kind, later
// bytes its parts), a mode byte (0: load from memory, 1: flat values,
// 2: two values through lift_values with max_flat 1, so they often spill),
// a pointer or the core values, 8 bytes seeding the hostile guest's
// realloc, then the guest's memory.
// Properties: a type is the same as itself and its text keeps to its cap;
// no crash, no read outside the memory (ASan), lifting returns a
// value or an error; lifting with views gives the same value as lifting
// copies; lowering a lifted value into a fresh guest and lifting it again
// gives the same value; lowering it into a guest whose realloc returns
// hostile blocks traps or succeeds and never writes outside its memory.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "component/canonical/handle_table.hpp"
#include "component/canonical/layout.hpp"
#include "component/canonical/lift_lower.hpp"
#include "component/canonical/type_match.hpp"
#include "fuzz_check.hpp"

using hookd::fuzz::check;
using namespace hookd::engine;
using namespace hookd::engine::canonical;

namespace {

class Input {
 public:
  Input(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  uint32_t u32() {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= uint32_t{byte()} << (8 * i);
    return v;
  }
  uint64_t u64() { return u32() | (uint64_t{u32()} << 32); }
  std::span<const uint8_t> rest() const { return {data_ + pos_, size_ - std::min(pos_, size_)}; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

TypeId gen_type(TypeArena& a, Input& in, int depth) {
  const uint8_t pick = in.byte();
  const uint8_t k = depth >= 4 ? pick % 13 : pick % 24;
  auto sub = [&] { return gen_type(a, in, depth + 1); };
  Result<TypeId> t = a.u8();
  switch (k) {
    case 13:
      t = a.list(sub());
      break;
    case 14: {
      const TypeId e = sub();
      t = a.fixed_list(e, 1 + in.byte() % 4);
      break;
    }
    case 15:
    case 16: {
      std::vector<TypeId> fields;
      std::vector<std::string> names;
      const int n = 1 + in.byte() % 4;
      for (int i = 0; i < n; ++i) {
        fields.push_back(sub());
        names.push_back("f" + std::to_string(i));
      }
      t = k == 15 ? a.record(std::move(names), std::move(fields)) : a.tuple(std::move(fields));
      break;
    }
    case 17: {
      std::vector<std::optional<TypeId>> cases;
      std::vector<std::string> names;
      const int n = 1 + in.byte() % 5;
      for (int i = 0; i < n; ++i) {
        cases.push_back(in.byte() % 3 == 0 ? std::nullopt : std::optional<TypeId>(sub()));
        names.push_back("c" + std::to_string(i));
      }
      t = a.variant(std::move(names), std::move(cases));
      break;
    }
    case 18:
      t = a.enumeration(
          std::vector<std::string>(1 + (in.byte() % 2 == 0 ? in.byte() % 4 : 250 + in.byte() % 20), "e"));
      break;
    case 19:
      t = a.option(sub());
      break;
    case 20: {
      const uint8_t shape = in.byte();
      std::optional<TypeId> ok_type;
      std::optional<TypeId> err_type;
      if (shape & 1) ok_type = sub();
      if (shape & 2) err_type = sub();
      t = a.result(ok_type, err_type);
      break;
    }
    case 21:
      t = a.flags(std::vector<std::string>(1 + in.byte() % 32, "f"));
      break;
    case 22:
      t = a.own(in.byte() % 2);
      break;
    case 23:
      t = a.borrow(in.byte() % 2);
      break;
    default:
      return a.primitive(static_cast<TypeKind>(k));
  }
  return t ? *t : a.u8();
}

// A guest for lowering into: fresh memory, a bump allocator. Lists in a
// lifted value may all point at the same guest bytes, so what lowering
// writes can be much larger than the fuzzed memory: past kMaxBytes the
// guest is out of memory, which is then the only acceptable failure.
constexpr uint64_t kMaxBytes = 64U << 20;
constexpr const char* kOutOfMemory = "bump guest out of memory";
bool out_of_memory(const Error& e) { return e.message == kOutOfMemory; }

class BumpGuest : public GuestMemory, public GuestRealloc {
 public:
  std::span<uint8_t> bytes() override { return memory_; }
  Result<uint32_t> realloc(uint32_t, uint32_t, uint32_t align, uint32_t size) override {
    next_ = static_cast<uint32_t>(align_to(next_, align));
    const uint64_t end = uint64_t{next_} + size;
    if (end > kMaxBytes) return fail(ErrorKind::kTrap, kOutOfMemory);
    if (end > memory_.size()) memory_.resize(end + 1024);
    const uint32_t ptr = next_;
    next_ = static_cast<uint32_t>(end);
    return ptr;
  }

 private:
  std::vector<uint8_t> memory_ = std::vector<uint8_t>(64);
  uint32_t next_ = 8;
};

// A guest whose realloc answers as a hostile one might: blocks that are
// misaligned, run off the end, overlap or wrap, sometimes after growing (and
// so moving) its memory. Lowering into it must trap or succeed, and never
// write outside its memory (ASan watches the vector's bounds).
class HostileGuest : public GuestMemory, public GuestRealloc {
 public:
  explicit HostileGuest(uint64_t seed) : state_(seed | 1) {}
  std::span<uint8_t> bytes() override { return memory_; }
  Result<uint32_t> realloc(uint32_t, uint32_t, uint32_t align, uint32_t size) override {
    const uint64_t r = next();
    if (r % 8 == 0 && memory_.size() < (1U << 20)) memory_.resize(memory_.size() * 2);  // moves
    const auto end = static_cast<uint32_t>(memory_.size());
    switch ((r >> 8) % 6) {
      case 0:
        return static_cast<uint32_t>(r >> 32);  // anywhere
      case 1:
        return end - std::min(end, size) + 1;  // one byte too far
      case 2:
        return static_cast<uint32_t>(align_to((r >> 16) % end, align)) + 1;  // misaligned (unless align is 1)
      case 3:
        return 0xffffffffU - (static_cast<uint32_t>(r >> 40) % 16);  // wraps in 32 bits
      default:
        return static_cast<uint32_t>(align_to((r >> 16) % end, align));  // in range if it fits
    }
  }

 private:
  uint64_t next() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    return state_;
  }
  uint64_t state_;
  std::vector<uint8_t> memory_ = std::vector<uint8_t>(512);
};

class FuzzMemory : public GuestMemory {
 public:
  explicit FuzzMemory(std::span<const uint8_t> bytes) : memory_(bytes.begin(), bytes.end()) {
    if (memory_.size() < 256) memory_.resize(256);
  }
  std::span<uint8_t> bytes() override { return memory_; }

 private:
  std::vector<uint8_t> memory_;
};

// The same handles every time: two resource types, owns with a hole.
void seed_handles(HandleTable& table) {
  table.add_resource_type("a", nullptr);
  table.add_resource_type("b", nullptr);
  for (uint32_t i = 0; i < 10; ++i) (void)table.new_own(i % 2, 100 + i);
  (void)table.drop(1, 4);
}

Val core_value(ValType t, Input& in) {
  Val v;
  v.type = t;
  switch (t) {
    case ValType::kI64:
      v.i64 = static_cast<int64_t>(in.u64());
      break;
    case ValType::kF32: {
      const uint32_t bits = in.u32();
      std::memcpy(&v.f32, &bits, 4);
      break;
    }
    case ValType::kF64: {
      const uint64_t bits = in.u64();
      std::memcpy(&v.f64, &bits, 8);
      break;
    }
    default: {
      // Small numbers often: they are valid handles, cases and lengths.
      const uint8_t how = in.byte();
      v.i32 = static_cast<int32_t>(how < 128 ? how % 16 : in.u32());
      break;
    }
  }
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Input in(data, size);
  TypeArena arena;
  std::vector<TypeId> types = {gen_type(arena, in, 0)};
  const uint8_t mode = in.byte() % 3;
  if (mode == 2) types.push_back(gen_type(arena, in, 0));

  uint32_t ptr = 0;
  std::vector<Val> flat;
  if (mode == 0) {
    ptr = in.u32() % 512;
  } else if (mode == 1 && !arena[types[0]].flat_overflow) {
    for (ValType t : arena[types[0]].flat) flat.push_back(core_value(t, in));
  } else if (flat_count(arena, types) > 1) {
    flat.push_back(Val::I32(static_cast<int32_t>(in.u32() % 512)));
  } else {
    std::vector<ValType> core;
    append_flat(arena, types, core);
    for (ValType t : core) flat.push_back(core_value(t, in));
  }
  const uint64_t hostile_seed = in.u64();
  FuzzMemory memory(in.rest());
  for (TypeId t : types) {
    check(same_type(arena, t, arena, t), "a type is the same as itself");
    check(describe(arena, t, 200).size() <= 203, "describe() keeps to its cap");
  }

  // Lift twice from identical handle tables: copies, then views.
  auto lift_all = [&](HandleTable& table, CallScope& scope, bool views) -> Result<std::vector<Value>> {
    Context cx{.types = arena,
               .memory = memory,
               .handles = &table,
               .scope = &scope,
               .views = views,
               .byte_budget = 1 << 20};
    if (mode == 0) {
      auto v = load(cx, types[0], ptr);
      if (!v) return std::unexpected(v.error());
      return std::vector<Value>{std::move(*v)};
    }
    if (mode == 1 && !arena[types[0]].flat_overflow) {
      auto v = lift_flat(cx, types[0], flat);
      if (!v) return std::unexpected(v.error());
      return std::vector<Value>{std::move(*v)};
    }
    return lift_values(cx, types, flat, 1);
  };
  HandleTable copies_table;
  HandleTable views_table;
  seed_handles(copies_table);
  seed_handles(views_table);
  CallScope copies_scope;
  CallScope views_scope;
  auto lifted = lift_all(copies_table, copies_scope, false);
  auto viewed = lift_all(views_table, views_scope, true);
  check(lifted.has_value() == viewed.has_value(), "lifting views and copies disagree on success");
  if (!lifted) {
    // The core values always match the type here: only the guest's data can be wrong.
    check(lifted.error().kind == ErrorKind::kTrap, "a lift error is a trap");
    check(!lifted.error().message.empty(), "a lift error says why");
    return 0;
  }
  check(*lifted == *viewed, "lifting views and copies give different values");
  for (const auto& v : *lifted) check(!v.holds_views(), "a lift without views returned a view");

  // Lower into a fresh guest and lift back.
  BumpGuest guest;
  HandleTable target(1U << 16);  // a lifted list may hold one borrow many times
  target.add_resource_type("a", nullptr);
  target.add_resource_type("b", nullptr);
  CallScope call;
  Context cx{.types = arena, .memory = guest, .realloc = &guest, .handles = &target, .scope = &call};
  std::vector<Val> core;
  Result<std::vector<Value>> again = std::vector<Value>{};
  if (mode == 0) {
    const auto& t = arena[types[0]];
    auto at = guest.realloc(0, 0, t.align, t.size);
    check(at.has_value(), "the bump guest allocates");
    auto stored = store(cx, types[0], (*lifted)[0], *at);
    if (!stored && out_of_memory(stored.error())) return 0;
    check(stored.has_value(), "storing a lifted value succeeds");
    auto v = load(cx, types[0], *at);
    check(v.has_value(), "loading a stored value succeeds");
    again = std::vector<Value>{std::move(*v)};
  } else if (mode == 1 && !arena[types[0]].flat_overflow) {
    auto lowered = lower_flat(cx, types[0], (*lifted)[0], core);
    if (!lowered && out_of_memory(lowered.error())) return 0;
    check(lowered.has_value(), "lowering a lifted value succeeds");
    auto v = lift_flat(cx, types[0], core);
    check(v.has_value(), "lifting a lowered value succeeds");
    again = std::vector<Value>{std::move(*v)};
  } else {
    auto lowered = lower_values(cx, types, *lifted, 1, core);
    if (!lowered && out_of_memory(lowered.error())) return 0;
    check(lowered.has_value(), "lowering lifted values succeeds");
    again = lift_values(cx, types, core, 1);
    check(again.has_value(), "lifting lowered values succeeds");
  }
  check(*again == *lifted, "lower then lift changed the value");
  (void)target.end_call(call);

  // Lowering into a hostile guest: a trap or success, nothing else.
  HostileGuest hostile(hostile_seed);
  HandleTable hostile_table(1U << 16);
  hostile_table.add_resource_type("a", nullptr);
  hostile_table.add_resource_type("b", nullptr);
  CallScope hostile_call;
  Context hcx{.types = arena,
              .memory = hostile,
              .realloc = &hostile,
              .handles = &hostile_table,
              .scope = &hostile_call};
  std::vector<Val> hostile_core;
  auto into_hostile = lower_values(hcx, types, *lifted, mode == 2 ? 1 : kMaxFlatParams, hostile_core);
  check(into_hostile.has_value() || into_hostile.error().kind == ErrorKind::kTrap,
        "lowering into a hostile guest traps or succeeds");
  (void)hostile_table.end_call(hostile_call);
  return 0;
}
