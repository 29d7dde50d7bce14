// The canonical ABI's layout, flattening and round trips (host -> guest ->
// host) of every value type, including the shapes the wasi:http proxy world
// passes.
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

struct Size {
  uint32_t size;
  uint32_t align;
  bool operator==(const Size&) const = default;
};
Size layout_of(const TypeArena& a, TypeId t) { return {a[t].size, a[t].align}; }

TEST(CanonicalLayout, PrimitivesHaveTheSpecsSizesAndAlignments) {
  TypeArena a;
  EXPECT_EQ(layout_of(a, a.boolean()), (Size{1, 1}));
  EXPECT_EQ(layout_of(a, a.s8()), (Size{1, 1}));
  EXPECT_EQ(layout_of(a, a.u16()), (Size{2, 2}));
  EXPECT_EQ(layout_of(a, a.s32()), (Size{4, 4}));
  EXPECT_EQ(layout_of(a, a.u64()), (Size{8, 8}));
  EXPECT_EQ(layout_of(a, a.f32()), (Size{4, 4}));
  EXPECT_EQ(layout_of(a, a.f64()), (Size{8, 8}));
  EXPECT_EQ(layout_of(a, a.character()), (Size{4, 4}));
  EXPECT_EQ(layout_of(a, a.string()), (Size{8, 4}));
  EXPECT_EQ(layout_of(a, ok(a.list(a.u64()))), (Size{8, 4}));
  EXPECT_EQ(layout_of(a, ok(a.own(0))), (Size{4, 4}));
  EXPECT_EQ(layout_of(a, ok(a.borrow(0))), (Size{4, 4}));
}

TEST(CanonicalLayout, RecordsPadFieldsAndRoundUpToTheirAlignment) {
  TypeArena a;
  EXPECT_EQ(layout_of(a, ok(a.tuple({a.u8(), a.u32()}))), (Size{8, 4}));
  EXPECT_EQ(layout_of(a, ok(a.tuple({a.u8(), a.u64(), a.u8()}))), (Size{24, 8}));
  EXPECT_EQ(layout_of(a, ok(a.record({"a", "b", "c"}, {a.u8(), a.u16(), a.u8()}))), (Size{6, 2}));
  EXPECT_EQ(layout_of(a, ok(a.fixed_list(a.u16(), 3))), (Size{6, 2}));
}

TEST(CanonicalLayout, VariantsPutThePayloadAfterTheDiscriminantAtTheLargestCaseAlignment) {
  TypeArena a;
  EXPECT_EQ(layout_of(a, ok(a.option(a.u8()))), (Size{2, 1}));
  EXPECT_EQ(layout_of(a, ok(a.option(a.u32()))), (Size{8, 4}));
  EXPECT_EQ(layout_of(a, ok(a.option(a.u64()))), (Size{16, 8}));
  EXPECT_EQ(layout_of(a, ok(a.option(a.string()))), (Size{12, 4}));
  EXPECT_EQ(layout_of(a, ok(a.result(std::nullopt, std::nullopt))), (Size{1, 1}));
  EXPECT_EQ(layout_of(a, ok(a.result(a.string(), a.u8()))), (Size{12, 4}));
  const TypeId v = ok(a.variant({"a", "b"}, {a.u8(), a.u64()}));
  EXPECT_EQ(layout_of(a, v), (Size{16, 8}));
  EXPECT_EQ(a[v].payload_offset, 8U);
}

TEST(CanonicalLayout, DiscriminantsGrowPast256And65536Cases) {
  TypeArena a;
  auto labels = [](size_t n) { return std::vector<std::string>(n, "x"); };
  EXPECT_EQ(a[ok(a.enumeration(labels(1)))].size, 1U);
  EXPECT_EQ(a[ok(a.enumeration(labels(256)))].size, 1U);
  EXPECT_EQ(a[ok(a.enumeration(labels(257)))].size, 2U);
  EXPECT_EQ(a[ok(a.enumeration(labels(65536)))].size, 2U);
  EXPECT_EQ(a[ok(a.enumeration(labels(65537)))].size, 4U);
  std::vector<std::optional<TypeId>> cases(257, std::nullopt);
  cases[3] = a.u8();
  const TypeId v = ok(a.variant(labels(257), cases));
  EXPECT_EQ(layout_of(a, v), (Size{4, 2}));
  EXPECT_EQ(a[v].payload_offset, 2U);
}

TEST(CanonicalLayout, FlagsUseTheSmallestIntegerThatHoldsThem) {
  TypeArena a;
  auto labels = [](size_t n) { return std::vector<std::string>(n, "f"); };
  EXPECT_EQ(layout_of(a, ok(a.flags(labels(8)))), (Size{1, 1}));
  EXPECT_EQ(layout_of(a, ok(a.flags(labels(9)))), (Size{2, 2}));
  EXPECT_EQ(layout_of(a, ok(a.flags(labels(16)))), (Size{2, 2}));
  EXPECT_EQ(layout_of(a, ok(a.flags(labels(17)))), (Size{4, 4}));
  EXPECT_EQ(layout_of(a, ok(a.flags(labels(32)))), (Size{4, 4}));
}

TEST(CanonicalLayout, ShapesTheComponentModelForbidsAreRefused) {
  TypeArena a;
  EXPECT_FALSE(a.record({}, {}));
  EXPECT_FALSE(a.tuple({}));
  EXPECT_FALSE(a.variant({}, {}));
  EXPECT_FALSE(a.enumeration({}));
  EXPECT_FALSE(a.flags({}));
  EXPECT_FALSE(a.flags(std::vector<std::string>(33, "f")));
  EXPECT_FALSE(a.fixed_list(a.u8(), 0));
  EXPECT_FALSE(a.list(9999));
  EXPECT_FALSE(a.option(static_cast<TypeId>(a.size())));
  // 2^28 bytes: one past the largest element size validation allows.
  EXPECT_FALSE(a.fixed_list(a.u8(), 1U << 28));
  EXPECT_TRUE(a.fixed_list(a.u8(), (1U << 28) - 1));
  const TypeId big = ok(a.fixed_list(a.u64(), 1U << 24));
  EXPECT_FALSE(a.tuple({big, big}));
}

TEST(CanonicalLayout, NestingIsBounded) {
  TypeArena a;
  TypeId t = a.u8();
  for (uint32_t depth = 2; depth <= kMaxTypeDepth; ++depth) t = ok(a.option(t));
  EXPECT_EQ(a[t].depth, kMaxTypeDepth);
  EXPECT_FALSE(a.option(t));
  EXPECT_FALSE(a.list(t));
}

std::vector<ValType> flat_of(const TypeArena& a, TypeId t) { return a[t].flat; }
constexpr auto I32 = ValType::kI32;
constexpr auto I64 = ValType::kI64;
constexpr auto F32 = ValType::kF32;
constexpr auto F64 = ValType::kF64;

TEST(CanonicalFlatten, VariantsJoinTheirCasesFlatTypes) {
  TypeArena a;
  EXPECT_EQ(flat_of(a, ok(a.option(a.f32()))), (std::vector{I32, F32}));
  EXPECT_EQ(flat_of(a, ok(a.result(a.f32(), a.u32()))), (std::vector{I32, I32}));
  EXPECT_EQ(flat_of(a, ok(a.result(a.f32(), a.f64()))), (std::vector{I32, I64}));
  EXPECT_EQ(flat_of(a, ok(a.result(a.u64(), a.f32()))), (std::vector{I32, I64}));
  EXPECT_EQ(flat_of(a, ok(a.result(a.f64(), a.f64()))), (std::vector{I32, F64}));
  const TypeId pair = ok(a.tuple({a.f32(), a.u32()}));
  const TypeId single = ok(a.tuple({a.u64()}));
  EXPECT_EQ(flat_of(a, ok(a.variant({"a", "b"}, {pair, single}))), (std::vector{I32, I64, I32}));
  EXPECT_EQ(flat_of(a, ok(a.option(a.string()))), (std::vector{I32, I32, I32}));
  EXPECT_EQ(flat_of(a, ok(a.enumeration({"x", "y"}))), (std::vector{I32}));
  EXPECT_EQ(flat_of(a, ok(a.flags({"x"}))), (std::vector{I32}));
}

TEST(CanonicalFlatten, MoreThanSixteenFlatValuesOverflow) {
  TypeArena a;
  const TypeId sixteen = ok(a.fixed_list(a.u32(), 16));
  EXPECT_EQ(a[sixteen].flat.size(), 16U);
  EXPECT_FALSE(a[sixteen].flat_overflow);
  const TypeId seventeen = ok(a.tuple({sixteen, a.u8()}));
  EXPECT_TRUE(a[seventeen].flat_overflow);
  EXPECT_TRUE(a[seventeen].flat.empty());
  EXPECT_TRUE(a[ok(a.option(seventeen))].flat_overflow);
  EXPECT_TRUE(a[ok(a.option(sixteen))].flat_overflow);
}

TEST(CanonicalFlatten, FunctionsSpillParamsPastSixteenAndResultsPastOne) {
  TypeArena a;
  FunctionType sixteen{std::vector<TypeId>(16, a.u32()), {}};
  auto sig = flatten_function(a, sixteen, Direction::kLift);
  EXPECT_FALSE(sig.params_in_memory);
  EXPECT_EQ(sig.core.params.size(), 16U);

  FunctionType seventeen{std::vector<TypeId>(17, a.u32()), {a.u32()}};
  sig = flatten_function(a, seventeen, Direction::kLift);
  EXPECT_TRUE(sig.params_in_memory);
  EXPECT_EQ(sig.core.params, (std::vector{I32}));
  EXPECT_EQ(sig.core.results, (std::vector{I32}));
  EXPECT_FALSE(sig.results_in_memory);

  // A string result: the export returns a pointer to it (lift); an import
  // writes it where its caller's extra last parameter points (lower).
  FunctionType returns_string{{a.u32()}, {a.string()}};
  sig = flatten_function(a, returns_string, Direction::kLift);
  EXPECT_EQ(sig.core.params, (std::vector{I32}));
  EXPECT_EQ(sig.core.results, (std::vector{I32}));
  EXPECT_TRUE(sig.results_in_memory);
  sig = flatten_function(a, returns_string, Direction::kLower);
  EXPECT_EQ(sig.core.params, (std::vector{I32, I32}));
  EXPECT_TRUE(sig.core.results.empty());
  EXPECT_TRUE(sig.results_in_memory);
}

TEST(CanonicalFlatten, TheProxyWorldsSignaturesFlattenAsToolchainsExpect) {
  TypeArena a;
  const TypeId fields = ok(a.own(0));
  const TypeId fields_borrow = ok(a.borrow(0));
  const TypeId request = ok(a.own(1));
  const TypeId outparam = ok(a.own(2));
  const TypeId bytes = ok(a.list(a.u8()));
  // incoming-handler.handle: func(request: own<incoming-request>, response-out: own<response-outparam>)
  auto sig = flatten_function(a, {{request, outparam}, {}}, Direction::kLift);
  EXPECT_EQ(sig.core, (FuncType{{I32, I32}, {}}));
  // [constructor]fields: func() -> own<fields>
  sig = flatten_function(a, {{}, {fields}}, Direction::kLower);
  EXPECT_EQ(sig.core, (FuncType{{}, {I32}}));
  // [method]fields.get: func(self: borrow<fields>, name: string) -> list<list<u8>>
  sig = flatten_function(a, {{fields_borrow, a.string()}, {ok(a.list(bytes))}}, Direction::kLower);
  EXPECT_EQ(sig.core, (FuncType{{I32, I32, I32, I32}, {}}));
  // [static]fields.from-list: func(entries: list<tuple<string, list<u8>>>) -> result<own<fields>,
  // header-error>
  const TypeId header_error = ok(a.variant({"invalid-syntax", "forbidden", "immutable"}, {{}, {}, {}}));
  const TypeId entries = ok(a.list(ok(a.tuple({a.string(), bytes}))));
  sig = flatten_function(a, {{entries}, {ok(a.result(fields, header_error))}}, Direction::kLower);
  EXPECT_EQ(sig.core, (FuncType{{I32, I32, I32}, {}}));
  // [method]incoming-request.method: func(self: borrow<incoming-request>) -> method (a variant with
  // other(string))
  const TypeId method =
      ok(a.variant({"get", "head", "post", "put", "delete", "connect", "options", "trace", "patch", "other"},
                   {{}, {}, {}, {}, {}, {}, {}, {}, {}, a.string()}));
  EXPECT_EQ(flat_of(a, method), (std::vector{I32, I32, I32}));
}

// wasi:http/types error-code (0.2.x), with its payload records.
struct ErrorCode {
  TypeId type = 0;
  TypeId field_size_payload = 0;
};
ErrorCode error_code(TypeArena& a) {
  const TypeId opt_string = ok(a.option(a.string()));
  const TypeId opt_u8 = ok(a.option(a.u8()));
  const TypeId opt_u16 = ok(a.option(a.u16()));
  const TypeId opt_u32 = ok(a.option(a.u32()));
  const TypeId opt_u64 = ok(a.option(a.u64()));
  const TypeId dns = ok(a.record({"rcode", "info-code"}, {opt_string, opt_u16}));
  const TypeId tls = ok(a.record({"alert-id", "alert-message"}, {opt_u8, opt_string}));
  const TypeId field_size = ok(a.record({"field-name", "field-size"}, {opt_string, opt_u32}));
  const TypeId opt_field_size = ok(a.option(field_size));
  std::vector<std::pair<std::string, std::optional<TypeId>>> cases = {
      {"DNS-timeout", {}},
      {"DNS-error", dns},
      {"destination-not-found", {}},
      {"destination-unavailable", {}},
      {"destination-IP-prohibited", {}},
      {"destination-IP-unroutable", {}},
      {"connection-refused", {}},
      {"connection-terminated", {}},
      {"connection-timeout", {}},
      {"connection-read-timeout", {}},
      {"connection-write-timeout", {}},
      {"connection-limit-reached", {}},
      {"TLS-protocol-error", {}},
      {"TLS-certificate-error", {}},
      {"TLS-alert-received", tls},
      {"HTTP-request-denied", {}},
      {"HTTP-request-length-required", {}},
      {"HTTP-request-body-size", opt_u64},
      {"HTTP-request-method-invalid", {}},
      {"HTTP-request-URI-invalid", {}},
      {"HTTP-request-URI-too-long", {}},
      {"HTTP-request-header-section-size", opt_u32},
      {"HTTP-request-header-size", opt_field_size},
      {"HTTP-request-trailer-section-size", opt_u32},
      {"HTTP-request-trailer-size", field_size},
      {"HTTP-response-incomplete", {}},
      {"HTTP-response-header-section-size", opt_u32},
      {"HTTP-response-header-size", field_size},
      {"HTTP-response-body-size", opt_u64},
      {"HTTP-response-trailer-section-size", opt_u32},
      {"HTTP-response-trailer-size", field_size},
      {"HTTP-response-transfer-coding", opt_string},
      {"HTTP-response-content-coding", opt_string},
      {"HTTP-response-timeout", {}},
      {"HTTP-upgrade-failed", {}},
      {"HTTP-protocol-error", {}},
      {"loop-detected", {}},
      {"configuration-error", {}},
      {"internal-error", opt_string},
  };
  std::vector<std::string> names;
  std::vector<std::optional<TypeId>> payloads;
  for (auto& [name, payload] : cases) {
    names.push_back(name);
    payloads.push_back(payload);
  }
  return {ok(a.variant(std::move(names), std::move(payloads))), field_size};
}

TEST(CanonicalFlatten, WasiHttpErrorCodeLaysOutAndFlattensAsTheSpecSays) {
  TypeArena a;
  const auto ec = error_code(a);
  EXPECT_EQ(a[ec.type].cases.size(), 39U);
  EXPECT_EQ(layout_of(a, ec.type), (Size{32, 8}));
  EXPECT_EQ(a[ec.type].payload_offset, 8U);
  EXPECT_EQ(flat_of(a, ec.type), (std::vector{I32, I32, I64, I32, I32, I32, I32}));
  // outgoing-handler.handle's result: result<own<future-incoming-response>, error-code>
  const TypeId r = ok(a.result(ok(a.own(0)), ec.type));
  EXPECT_EQ(layout_of(a, r), (Size{40, 8}));
}

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

  const auto ec = error_code(a);
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
