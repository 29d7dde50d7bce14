// What a hostile or broken guest can hand the host through the canonical
// ABI: every case is a kTrap error with a message, never a crash, a read
// outside the memory or an allocation the host did not budget for.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "canonical_abi_fixture.hpp"
#include "component/canonical/lift_lower.hpp"

namespace hookd::engine::canonical {
namespace {

using testing::fails;
using testing::FakeGuest;
using testing::ok;

class CanonicalHostile : public ::testing::Test {
 protected:
  Result<Value> lift(TypeId t, std::vector<int32_t> flat) {
    std::vector<Val> vals;
    for (int32_t v : flat) vals.push_back(Val::I32(v));
    return lift_flat(cx, t, vals);
  }

  TypeArena a;
  FakeGuest guest{4096};
  HandleTable handles;
  CallScope scope;
  Context cx{.types = a, .memory = guest, .realloc = &guest, .handles = &handles, .scope = &scope};
};

TEST_F(CanonicalHostile, StringsOutsideTheMemoryTrap) {
  EXPECT_NE(fails(lift(a.string(), {4090, 7})).find("outside the guest's memory"), std::string::npos);
  fails(lift(a.string(), {-1, 2}));       // 0xffffffff + 2 does not wrap
  fails(lift(a.string(), {4096, 1}));     // one past the end
  ok(lift(a.string(), {4096, 0}));        // empty, at the end: allowed
  fails(lift(a.string(), {0, 1 << 28}));  // over the spec's bound
  fails(lift(a.string(), {0, -1}));       // 4 GiB
}

TEST_F(CanonicalHostile, InvalidUtf8Traps) {
  guest.put_bytes(10, "ok\xc3\x28");
  EXPECT_NE(fails(lift(a.string(), {10, 4})).find("UTF-8"), std::string::npos);
  guest.put_bytes(20, "\xed\xa0\x80");  // a surrogate, encoded
  fails(lift(a.string(), {20, 3}));
  guest.put_bytes(30, "\xc0\xaf");  // overlong
  fails(lift(a.string(), {30, 2}));
  ok(lift(a.string(), {10, 2}));
}

TEST_F(CanonicalHostile, ListsAreCheckedBeforeAnythingIsAllocated) {
  const TypeId bytes = ok(a.list(a.u8()));
  const TypeId u64s = ok(a.list(a.u64()));
  const TypeId strings = ok(a.list(a.string()));
  // 2^31 bytes: refused on length alone, long before any allocation.
  EXPECT_NE(fails(lift(bytes, {0, INT32_MIN})).find("a list of"), std::string::npos);
  fails(lift(u64s, {0, 1 << 26}));  // 2^29 bytes
  fails(lift(u64s, {4, 1}));        // misaligned
  EXPECT_NE(fails(lift(u64s, {4, 1})).find("not aligned"), std::string::npos);
  fails(lift(u64s, {4088, 2}));    // runs off the end
  fails(lift(strings, {0, 600}));  // 4800 bytes in a 4096-byte memory
  ok(lift(u64s, {4088, 1}));
}

TEST_F(CanonicalHostile, ANestedBadPointerTrapsTheWholeLift) {
  const TypeId strings = ok(a.list(a.string()));
  guest.put<uint32_t>(64, 200);
  guest.put<uint32_t>(68, 3);
  guest.put<uint32_t>(72, 5000);  // the second string is outside the memory
  guest.put<uint32_t>(76, 3);
  guest.put_bytes(200, "abc");
  fails(lift(strings, {64, 2}));
  ok(lift(strings, {64, 1}));
}

TEST_F(CanonicalHostile, TheByteBudgetStopsLargeValuesBeforeTheyAreCopied) {
  FakeGuest big(8 << 20);
  const TypeId bytes = ok(a.list(a.u8()));
  Context small{.types = a, .memory = big, .byte_budget = 1 << 20};
  const std::vector<Val> flat = {Val::I32(0), Val::I32(2 << 20)};
  EXPECT_NE(fails(lift_flat(small, bytes, flat)).find("bytes of host memory"), std::string::npos);
  // As views nothing is copied, so the same list fits.
  Context views{.types = a, .memory = big, .views = true, .byte_budget = 1 << 20};
  EXPECT_EQ(ok(lift_flat(views, bytes, flat)).bytes().size(), size_t{2} << 20);

  // A list of one-byte elements costs a Value each: 4 MiB of bools is far
  // more than 64 MiB of host memory, and is refused before it is built.
  const TypeId bools = ok(a.list(a.boolean()));
  Context budget{.types = a, .memory = big};
  const std::vector<Val> many = {Val::I32(0), Val::I32(4 << 20)};
  fails(lift_flat(budget, bools, many));
  // The budget is spent across lifts on one context.
  Context shared{.types = a, .memory = big, .byte_budget = 2500};
  const std::vector<Val> k = {Val::I32(0), Val::I32(1000)};
  ok(lift_flat(shared, bytes, k));
  ok(lift_flat(shared, bytes, k));
  fails(lift_flat(shared, bytes, k));
}

TEST_F(CanonicalHostile, DiscriminantsOutOfRangeTrap) {
  const TypeId e = ok(a.enumeration({"a", "b", "c"}));
  fails(lift(e, {3}));
  fails(lift(e, {-1}));
  ok(lift(e, {2}));
  const TypeId opt = ok(a.option(a.u32()));
  fails(lift(opt, {2, 0}));
  guest.put<uint8_t>(0, 2);
  fails(load(cx, opt, 0));
  const TypeId res = ok(a.result(std::nullopt, std::nullopt));
  guest.put<uint8_t>(8, 255);
  EXPECT_NE(fails(load(cx, res, 8)).find("result case 255"), std::string::npos);
}

TEST_F(CanonicalHostile, BoolsAndFlagsFollowTheSpec) {
  // Any non-zero bool is true; flag bits past the labels are ignored.
  EXPECT_EQ(ok(lift(a.boolean(), {2})), Value::boolean(true));
  guest.put<uint8_t>(0, 0x80);
  EXPECT_EQ(ok(load(cx, a.boolean(), 0)), Value::boolean(true));
  const TypeId f = ok(a.flags({"a", "b", "c"}));
  EXPECT_EQ(ok(lift(f, {-1})), Value::flags(0b111));
  guest.put<uint8_t>(1, 0xfa);
  EXPECT_EQ(ok(load(cx, f, 1)), Value::flags(0b010));
}

TEST_F(CanonicalHostile, CharsMustBeUnicodeScalarValues) {
  fails(lift(a.character(), {0xD800}));
  fails(lift(a.character(), {0xDFFF}));
  fails(lift(a.character(), {0x110000}));
  fails(lift(a.character(), {-1}));
  EXPECT_EQ(ok(lift(a.character(), {0x1F600})), Value::character(U'\U0001F600'));
}

TEST_F(CanonicalHostile, MisalignedAndOutOfBoundsValuesInMemoryTrap) {
  const TypeId t = ok(a.tuple({a.u32(), a.u64()}));
  fails(load(cx, t, 4));     // needs 8-byte alignment
  fails(load(cx, t, 4088));  // 16 bytes do not fit
  fails(load(cx, t, 0xfffffff8U));
  ok(load(cx, t, 4080));
}

TEST_F(CanonicalHostile, ASpilledResultPointerIsChecked) {
  const std::vector<TypeId> types = {a.string()};
  std::vector<Val> ret = {Val::I32(4094)};
  fails(lift_values(cx, types, ret, kMaxFlatResults));
  ret = {Val::I32(2)};
  fails(lift_values(cx, types, ret, kMaxFlatResults));
  // The guest's result area for a lowered import, too.
  std::vector<Val> out;
  const std::vector<Value> values = {Value::string("x")};
  fails(lower_values(cx, types, values, kMaxFlatResults, out, 4093U));
  fails(lower_values(cx, types, values, kMaxFlatResults, out, 6U));
}

TEST_F(CanonicalHostile, ABadBlockFromReallocTraps) {
  guest.bad_pointer = 4095;
  std::vector<Val> out;
  EXPECT_NE(fails(lower_flat(cx, a.string(), Value::string("hello"), out)).find("outside"),
            std::string::npos);
  guest.bad_pointer = 3;
  fails(lower_flat(cx, ok(a.list(a.u32())), Value::list({Value::u32(1)}), out));
}

TEST_F(CanonicalHostile, HandlesFromTheGuestAreChecked) {
  const ResourceTypeId fields = handles.add_resource_type("fields", nullptr);
  const ResourceTypeId body = handles.add_resource_type("incoming-body", nullptr);
  const TypeId own_fields = ok(a.own(fields));
  const TypeId borrow_body = ok(a.borrow(body));
  fails(lift(own_fields, {0}));  // null
  fails(lift(own_fields, {7}));  // never made
  const uint32_t h = ok(handles.new_own(body, 5));
  EXPECT_NE(fails(lift(own_fields, {static_cast<int32_t>(h)})).find("is a incoming-body"), std::string::npos);
  EXPECT_EQ(ok(lift(borrow_body, {static_cast<int32_t>(h)})).handle_rep(), 5U);
  // Lent to the call in progress: it cannot be moved out too.
  EXPECT_NE(fails(lift(ok(a.own(body)), {static_cast<int32_t>(h)})).find("lent"), std::string::npos);
  ok(handles.end_call(scope));
  EXPECT_EQ(ok(lift(ok(a.own(body)), {static_cast<int32_t>(h)})).handle_rep(), 5U);
  fails(lift(borrow_body, {static_cast<int32_t>(h)}));  // moved out: gone
}

TEST_F(CanonicalHostile, HostValuesThatDoNotMatchTheirTypeAreHostErrors) {
  std::vector<Val> out;
  fails(lower_flat(cx, a.string(), Value::u32(1), out), ErrorKind::kInternal);
  fails(lower_flat(cx, a.string(), Value::string("\xff"), out), ErrorKind::kInternal);
  fails(lower_flat(cx, a.character(), Value::character(0xD800), out), ErrorKind::kInternal);
  const TypeId opt = ok(a.option(a.u8()));
  fails(lower_flat(cx, opt, Value::variant(2), out), ErrorKind::kInternal);
  fails(lower_flat(cx, opt, Value::variant(1), out), ErrorKind::kInternal);  // some without payload
  fails(lower_flat(cx, ok(a.tuple({a.u8(), a.u8()})), Value::tuple({Value::u32(1)}), out),
        ErrorKind::kInternal);
  const std::vector<Val> too_many = {Val::I32(1), Val::I32(2)};
  fails(lift_flat(cx, a.u32(), too_many), ErrorKind::kInternal);
  const std::vector<Val> wrong = {Val::I64(1)};
  fails(lift_flat(cx, a.u32(), wrong), ErrorKind::kInternal);
}

}  // namespace
}  // namespace hookd::engine::canonical
