// The canonical ABI's layout rules: sizes, alignments, discriminants, flags,
// the shapes validation refuses, and flattening of types and functions
// (the spec's examples and the wasi:http proxy world's signatures).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "canonical_abi_fixture.hpp"
#include "component/canonical/layout.hpp"

namespace hookd::engine::canonical {
namespace {

using testing::ok;
using testing::wasi_http_error_code;

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

using testing::F32;
using testing::F64;
using testing::flat_of;
using testing::I32;
using testing::I64;

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

TEST(CanonicalFlatten, WasiHttpErrorCodeLaysOutAndFlattensAsTheSpecSays) {
  TypeArena a;
  const auto ec = wasi_http_error_code(a);
  EXPECT_EQ(a[ec.type].cases.size(), 39U);
  EXPECT_EQ(layout_of(a, ec.type), (Size{32, 8}));
  EXPECT_EQ(a[ec.type].payload_offset, 8U);
  EXPECT_EQ(flat_of(a, ec.type), (std::vector{I32, I32, I64, I32, I32, I32, I32}));
  // outgoing-handler.handle's result: result<own<future-incoming-response>, error-code>
  const TypeId r = ok(a.result(ok(a.own(0)), ec.type));
  EXPECT_EQ(layout_of(a, r), (Size{40, 8}));
}

}  // namespace
}  // namespace hookd::engine::canonical
