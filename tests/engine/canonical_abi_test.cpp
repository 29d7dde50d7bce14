// Round trips (host -> guest -> host) of every value type through the
// canonical ABI, in memory and flat, including the shapes the wasi:http proxy
// world passes, spilled parameters and results, and views.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "canonical_abi_fixture.hpp"
#include "component/canonical/layout.hpp"
#include "component/canonical/lift_lower.hpp"

namespace hookd::engine::canonical {
namespace {

using testing::FakeGuest;
using testing::ok;
using testing::wasi_http_error_code;

using testing::flat_of;
using testing::I32;
using testing::I64;

// Round trips: lower a host value into the fake guest and lift it back, both
// through memory and flat.
class CanonicalRoundTrip : public ::testing::Test {
 protected:
  Value through_memory(TypeId t, const Value& v) {
    Context cx{.types = a, .memory = guest, .realloc = &guest, .handles = &handles, .scope = &scope};
    const uint32_t ptr = ok(guest.realloc(0, 0, a[t].align, a[t].size));
    ok(store(cx, t, v, ptr));
    return ok(load(cx, t, ptr));
  }
  Value through_flat(TypeId t, const Value& v) {
    Context cx{.types = a, .memory = guest, .realloc = &guest, .handles = &handles, .scope = &scope};
    std::vector<Val> flat;
    ok(lower_flat(cx, t, v, flat));
    EXPECT_EQ(flat.size(), a[t].flat.size());
    for (size_t i = 0; i < flat.size() && i < a[t].flat.size(); ++i) EXPECT_EQ(flat[i].type, a[t].flat[i]);
    return ok(lift_flat(cx, t, flat));
  }
  void round_trips(TypeId t, const Value& v) {
    EXPECT_EQ(through_memory(t, v), v) << to_string(a[t].kind);
    if (!a[t].flat_overflow) {
      EXPECT_EQ(through_flat(t, v), v) << to_string(a[t].kind);
    }
  }

  TypeArena a;
  FakeGuest guest;
  HandleTable handles;
  CallScope scope;
};

TEST_F(CanonicalRoundTrip, Integers) {
  round_trips(a.boolean(), Value::boolean(true));
  round_trips(a.boolean(), Value::boolean(false));
  round_trips(a.u8(), Value::u32(255));
  round_trips(a.s8(), Value::s32(-128));
  round_trips(a.u16(), Value::u32(65535));
  round_trips(a.s16(), Value::s32(-32768));
  round_trips(a.u32(), Value::u32(0xffffffffU));
  round_trips(a.s32(), Value::s32(std::numeric_limits<int32_t>::min()));
  round_trips(a.u64(), Value::u64(0xfedcba9876543210ULL));
  round_trips(a.s64(), Value::s64(std::numeric_limits<int64_t>::min()));
}

TEST_F(CanonicalRoundTrip, SignedNarrowIntegersAreSignExtendedWhenFlat) {
  Context cx{.types = a, .memory = guest};
  std::vector<Val> flat;
  ok(lower_flat(cx, a.s8(), Value::s32(-1), flat));
  ok(lower_flat(cx, a.u8(), Value::u32(255), flat));
  ASSERT_EQ(flat.size(), 2U);
  EXPECT_EQ(flat[0].i32, -1);
  EXPECT_EQ(flat[1].i32, 255);
}

TEST_F(CanonicalRoundTrip, VariantPayloadsAreBitCastAndZeroExtendedIntoTheJoinedSlots) {
  Context cx{.types = a, .memory = guest};
  const TypeId t = ok(a.variant({"i", "f", "d", "none"}, {a.u32(), a.f32(), a.f64(), {}}));
  ASSERT_EQ(flat_of(a, t), (std::vector{I32, I64}));
  std::vector<Val> flat;
  ok(lower_flat(cx, t, Value::variant(0, Value::u32(0xffffffffU)), flat));
  ok(lower_flat(cx, t, Value::variant(1, Value::f32(1.0F)), flat));
  ok(lower_flat(cx, t, Value::variant(3), flat));
  ASSERT_EQ(flat.size(), 6U);
  EXPECT_EQ(flat[1].type, ValType::kI64);
  EXPECT_EQ(flat[1].i64, 0xffffffffLL);  // zero-extended, not sign-extended
  EXPECT_EQ(flat[3].i64, 0x3f800000LL);  // the f32's bits
  EXPECT_EQ(flat[4].i32, 3);
  EXPECT_EQ(flat[5].i64, 0);  // a case without payload fills the slots with zeros
  // Lifting reads only the low 32 bits of a wider slot.
  const std::vector<Val> wide = {Val::I32(0), Val::I64(0x1234567800000005LL)};
  EXPECT_EQ(ok(lift_flat(cx, t, wide)), Value::variant(0, Value::u32(5)));
}

TEST_F(CanonicalRoundTrip, BorrowsInAListAreAllLentUntilTheCallEnds) {
  const ResourceTypeId fields = handles.add_resource_type("fields", nullptr);
  const uint32_t h1 = ok(handles.new_own(fields, 10));
  const uint32_t h2 = ok(handles.new_own(fields, 20));
  guest.put<uint32_t>(0, h1);
  guest.put<uint32_t>(4, h2);
  guest.put<uint32_t>(8, h1);
  const TypeId t = ok(a.list(ok(a.borrow(fields))));
  Context cx{.types = a, .memory = guest, .handles = &handles, .scope = &scope};
  const std::vector<Val> flat = {Val::I32(0), Val::I32(3)};
  EXPECT_EQ(ok(lift_flat(cx, t, flat)),
            Value::list({Value::handle(10), Value::handle(20), Value::handle(10)}));
  EXPECT_EQ(scope.lends(), 3U);
  EXPECT_FALSE(handles.drop(fields, h1));
  ok(handles.end_call(scope));
  ok(handles.drop(fields, h1));
  ok(handles.drop(fields, h2));
}

TEST_F(CanonicalRoundTrip, FloatsKeepTheirBitsAndNansBecomeCanonical) {
  round_trips(a.f32(), Value::f32(-1.5F));
  round_trips(a.f64(), Value::f64(std::numeric_limits<double>::denorm_min()));
  round_trips(a.f32(), Value::f32(-0.0F));
  const Value nan32 = Value::scalar(0xffc00001U);  // a NaN with sign and payload
  EXPECT_EQ(through_memory(a.f32(), nan32).bits(), 0x7fc00000U);
  EXPECT_EQ(through_flat(a.f32(), nan32).bits(), 0x7fc00000U);
  const Value nan64 = Value::scalar(0xfff0000000000001ULL);
  EXPECT_EQ(through_memory(a.f64(), nan64).bits(), 0x7ff8000000000000ULL);
  EXPECT_TRUE(std::isnan(through_flat(a.f64(), nan64).as_f64()));
}

TEST_F(CanonicalRoundTrip, CharsAndStrings) {
  round_trips(a.character(), Value::character(U'\U0010FFFF'));
  round_trips(a.character(), Value::character(U'é'));
  round_trips(a.string(), Value::string(""));
  round_trips(a.string(), Value::string("héllo, wörld ✓ 🎉"));
  round_trips(a.string(), Value::string(std::string(100000, 'x')));
}

TEST_F(CanonicalRoundTrip, ListsOfBytesAreOneBuffer) {
  const TypeId bytes = ok(a.list(a.u8()));
  std::string data(70000, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7);
  const Value v = through_memory(bytes, Value::bytes_owned(data));
  EXPECT_EQ(v.form(), Value::Form::kBytes);
  EXPECT_EQ(v.text(), data);
  round_trips(bytes, Value::bytes_owned(""));
}

TEST_F(CanonicalRoundTrip, ListsRecordsTuplesAndFixedLists) {
  const TypeId point = ok(a.record({"x", "y", "label"}, {a.s16(), a.f64(), a.string()}));
  const TypeId points = ok(a.list(point));
  auto p = [](int16_t x, double y, std::string l) {
    return Value::record({Value::s32(x), Value::f64(y), Value::string(std::move(l))});
  };
  round_trips(point, p(-3, 2.5, "a"));
  round_trips(points, Value::list({p(1, 1.0, "one"), p(2, 2.0, ""), p(-3, -3.0, "three")}));
  round_trips(points, Value::list({}));
  round_trips(ok(a.list(ok(a.list(a.u32())))),
              Value::list({Value::list({Value::u32(1), Value::u32(2)}), Value::list({})}));
  round_trips(ok(a.tuple({a.u8(), a.u64(), a.boolean()})),
              Value::tuple({Value::u32(7), Value::u64(1ULL << 40), Value::boolean(true)}));
  round_trips(ok(a.fixed_list(a.u16(), 3)), Value::list({Value::u32(1), Value::u32(2), Value::u32(3)}));
}

TEST_F(CanonicalRoundTrip, VariantsEnumsOptionsAndResults) {
  const TypeId v = ok(a.variant({"a", "b", "c", "d"}, {a.f32(), a.u64(), {}, a.string()}));
  round_trips(v, Value::variant(0, Value::f32(3.25F)));
  round_trips(v, Value::variant(1, Value::u64(0xffffffff00000001ULL)));
  round_trips(v, Value::variant(2));
  round_trips(v, Value::variant(3, Value::string("payload")));
  const TypeId e = ok(a.enumeration({"red", "green", "blue"}));
  round_trips(e, Value::enumeration(2));
  const TypeId opt = ok(a.option(a.string()));
  round_trips(opt, Value::none());
  round_trips(opt, Value::some(Value::string("x")));
  const TypeId res = ok(a.result(a.u32(), std::nullopt));
  round_trips(res, Value::ok(Value::u32(9)));
  round_trips(res, Value::err());
  const TypeId unit = ok(a.result(std::nullopt, std::nullopt));
  round_trips(unit, Value::ok());
  round_trips(unit, Value::err());
  // A variant inside a variant: the inner join is read through the outer.
  const TypeId nested = ok(a.result(ok(a.option(a.f32())), a.u64()));
  round_trips(nested, Value::ok(Value::some(Value::f32(-2.0F))));
  round_trips(nested, Value::err(Value::u64(77)));
}

TEST_F(CanonicalRoundTrip, Flags) {
  const TypeId small = ok(a.flags({"a", "b", "c"}));
  round_trips(small, Value::flags(0b101));
  const TypeId all = ok(a.flags(std::vector<std::string>(32, "f")));
  round_trips(all, Value::flags(0x80000001U));
  const TypeId mid = ok(a.flags(std::vector<std::string>(12, "f")));
  round_trips(mid, Value::flags(0x0fffU));
}

TEST_F(CanonicalRoundTrip, TheProxyWorldsShapes) {
  const TypeId bytes = ok(a.list(a.u8()));
  const TypeId entries = ok(a.list(ok(a.tuple({a.string(), bytes}))));
  round_trips(entries,
              Value::list({
                  Value::tuple({Value::string("content-type"), Value::bytes_owned("text/plain")}),
                  Value::tuple({Value::string("set-cookie"), Value::bytes_owned("a=1")}),
                  Value::tuple({Value::string("set-cookie"), Value::bytes_owned(std::string("\0\xff", 2))}),
              }));
  round_trips(ok(a.option(a.string())), Value::some(Value::string("/path?q=1")));

  const auto ec = wasi_http_error_code(a);
  round_trips(ec.type, Value::variant(0));
  round_trips(
      ec.type,
      Value::variant(1, Value::record({Value::some(Value::string("NXDOMAIN")), Value::some(Value::u32(3))})));
  round_trips(ec.type, Value::variant(17, Value::some(Value::u64(1ULL << 33))));
  round_trips(
      ec.type,
      Value::variant(22, Value::some(Value::record({Value::some(Value::string("x-big")), Value::none()}))));
  round_trips(ec.type, Value::variant(38, Value::some(Value::string("internal"))));

  // result<own<incoming-body>, _>: the body's host representation goes in a
  // new handle and comes back out of it.
  const ResourceTypeId body = handles.add_resource_type("incoming-body", nullptr);
  const TypeId consume = ok(a.result(ok(a.own(body)), std::nullopt));
  round_trips(consume, Value::ok(Value::handle(1234)));
  round_trips(consume, Value::err());
  EXPECT_EQ(handles.live_handles(), 0U);
}

TEST_F(CanonicalRoundTrip, AHostImportCallWithSpilledResultsWritesThemWhereTheGuestSays) {
  // [method]fields.get: (borrow<fields>, string) -> list<list<u8>>
  const ResourceTypeId fields = handles.add_resource_type("fields", nullptr);
  const TypeId self = ok(a.borrow(fields));
  const TypeId result = ok(a.list(ok(a.list(a.u8()))));
  const uint32_t handle = ok(handles.new_own(fields, 42));
  guest.put_bytes(100, "accept");
  const std::vector<Val> core = {Val::I32(static_cast<int32_t>(handle)), Val::I32(100), Val::I32(6),
                                 Val::I32(200)};

  Context cx{.types = a, .memory = guest, .realloc = &guest, .handles = &handles, .scope = &scope};
  const std::vector<TypeId> params = {self, a.string()};
  auto args = ok(lift_values(cx, params, std::span(core).first(3), kMaxFlatParams));
  ASSERT_EQ(args.size(), 2U);
  EXPECT_EQ(args[0].handle_rep(), 42U);
  EXPECT_EQ(args[1].text(), "accept");
  EXPECT_FALSE(handles.drop(fields, handle));  // lent to the call in progress

  const std::vector<Value> results = {
      Value::list({Value::bytes_owned("text/html"), Value::bytes_owned("*/*")})};
  std::vector<Val> out;
  const std::vector<TypeId> result_types = {result};
  ok(lower_values(cx, result_types, results, kMaxFlatResults, out, static_cast<uint32_t>(core[3].i32)));
  EXPECT_TRUE(out.empty());
  ok(handles.end_call(scope));
  ok(handles.drop(fields, handle));

  // The guest reads its result area: (ptr, len) of two (ptr, len) lists.
  auto back = ok(load(cx, result, 200));
  EXPECT_EQ(back, results[0]);
}

TEST_F(CanonicalRoundTrip, SpilledParamsGoToAReallocatedTupleAndComeBack) {
  const std::vector<TypeId> types(20, a.u64());
  std::vector<Value> values;
  for (uint64_t i = 0; i < 20; ++i) values.push_back(Value::u64(i * 1000003));
  Context cx{.types = a, .memory = guest, .realloc = &guest};
  std::vector<Val> out;
  ok(lower_values(cx, types, values, kMaxFlatParams, out));
  ASSERT_EQ(out.size(), 1U);
  EXPECT_EQ(out[0].i32 % 8, 0);
  EXPECT_EQ(ok(lift_values(cx, types, out, kMaxFlatParams)), values);
}

TEST_F(CanonicalRoundTrip, AnExportsSpilledResultIsReadFromThePointerItReturns) {
  const TypeId t = ok(a.result(a.string(), a.u32()));
  Context cx{.types = a, .memory = guest, .realloc = &guest};
  guest.put<uint8_t>(64, 0);  // ok
  guest.put<uint32_t>(68, 300);
  guest.put<uint32_t>(72, 2);
  guest.put_bytes(300, "hi");
  const std::vector<TypeId> types = {t};
  const std::vector<Val> ret = {Val::I32(64)};
  auto values = ok(lift_values(cx, types, ret, kMaxFlatResults));
  ASSERT_EQ(values.size(), 1U);
  EXPECT_EQ(values[0], Value::ok(Value::string("hi")));
}

TEST_F(CanonicalRoundTrip, LoweringSurvivesTheGuestMemoryMovingDuringRealloc) {
  // Each string allocation grows the fake memory, which moves it.
  FakeGuest small(1100);
  const TypeId t = ok(a.list(a.string()));
  std::vector<Value> items;
  for (int i = 0; i < 50; ++i)
    items.push_back(Value::string(std::string(5000, static_cast<char>('a' + i % 26))));
  const Value v = Value::list(std::move(items));
  Context cx{.types = a, .memory = small, .realloc = &small};
  std::vector<Val> flat;
  ok(lower_flat(cx, t, v, flat));
  EXPECT_GT(small.bytes().size(), 250000U);
  EXPECT_EQ(ok(lift_flat(cx, t, flat)), v);
}

TEST_F(CanonicalRoundTrip, ViewsPointIntoGuestMemoryAndDetachCopiesThem) {
  const TypeId t = ok(a.tuple({a.string(), ok(a.list(a.u8()))}));
  guest.put_bytes(100, "name");
  guest.put_bytes(200, "value");
  const std::vector<Val> flat = {Val::I32(100), Val::I32(4), Val::I32(200), Val::I32(5)};
  Context cx{.types = a, .memory = guest, .views = true};
  Value v = ok(lift_flat(cx, t, flat));
  EXPECT_TRUE(v.holds_views());
  EXPECT_EQ(v.items()[0].text().data(), reinterpret_cast<const char*>(guest.bytes().data() + 100));
  EXPECT_EQ(cx.byte_budget, kDefaultByteBudget - 2 * sizeof(Value));  // nothing copied

  std::vector<Val> out;
  Context lower_cx{.types = a, .memory = guest, .realloc = &guest};
  EXPECT_EQ(lower_flat(lower_cx, t, v, out).error().kind, ErrorKind::kInternal);
  v.detach();
  EXPECT_FALSE(v.holds_views());
  guest.put_bytes(100, "XXXX");
  EXPECT_EQ(v.items()[0].text(), "name");
  ok(lower_flat(lower_cx, t, v, out));
}

}  // namespace
}  // namespace hookd::engine::canonical
