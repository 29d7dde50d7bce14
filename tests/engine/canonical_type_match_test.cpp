// Comparing types across arenas (a component's import against the host's
// signature) and naming them in errors.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "canonical_abi_fixture.hpp"
#include "component/canonical/type_match.hpp"

namespace hookd::engine::canonical {
namespace {

using testing::ok;
using testing::wasi_http_error_code;

TEST(CanonicalTypeMatch, TheSameShapeInTwoArenasIsTheSameType) {
  TypeArena host;
  TypeArena guest;
  (void)ok(guest.list(guest.u32()));  // different ids on each side
  const TypeId h = ok(host.list(ok(host.tuple({host.string(), ok(host.list(host.u8()))}))));
  const TypeId g = ok(guest.list(ok(guest.tuple({guest.string(), ok(guest.list(guest.u8()))}))));
  EXPECT_NE(h, g);
  EXPECT_TRUE(same_type(host, h, guest, g));
  EXPECT_TRUE(same_type(host, wasi_http_error_code(host).type, guest, wasi_http_error_code(guest).type));
}

TEST(CanonicalTypeMatch, NamesKindsAndPartsMustAgree) {
  TypeArena a;
  const TypeId r1 = ok(a.record({"a", "b"}, {a.u8(), a.string()}));
  const TypeId r2 = ok(a.record({"a", "c"}, {a.u8(), a.string()}));
  const TypeId r3 = ok(a.record({"a", "b"}, {a.u16(), a.string()}));
  const TypeId t1 = ok(a.tuple({a.u8(), a.string()}));
  EXPECT_TRUE(same_type(a, r1, a, r1));
  EXPECT_FALSE(same_type(a, r1, a, r2));
  EXPECT_FALSE(same_type(a, r1, a, r3));
  EXPECT_FALSE(same_type(a, r1, a, t1));
  EXPECT_FALSE(same_type(a, ok(a.result(a.u8(), std::nullopt)), a, ok(a.result(std::nullopt, a.u8()))));
  EXPECT_FALSE(same_type(a, ok(a.fixed_list(a.u8(), 2)), a, ok(a.fixed_list(a.u8(), 3))));
  EXPECT_FALSE(same_type(a, a.u8(), a, 99999));
}

TEST(CanonicalTypeMatch, ResourcesArePairedByTheCallersMapping) {
  TypeArena host;
  TypeArena guest;
  const TypeId h = ok(host.own(0));
  const TypeId g = ok(guest.own(5));
  EXPECT_FALSE(same_type(host, h, guest, g));
  auto maps = [](ResourceTypeId x, ResourceTypeId y) { return x == 0 && y == 5; };
  EXPECT_TRUE(same_type(host, h, guest, g, maps));
  EXPECT_FALSE(same_type(host, ok(host.borrow(0)), guest, g, maps));
}

TEST(CanonicalTypeMatch, SharedPartsAreComparedOnce) {
  // Each level is a pair of the level below: 2^26 leaves if compared naively
  // (the 2^28-byte size bound stops deeper doubling).
  TypeArena a;
  TypeArena b;
  TypeId x = a.u8();
  TypeId y = b.u8();
  for (int i = 0; i < 26; ++i) {
    x = ok(a.tuple({x, x}));
    y = ok(b.tuple({y, y}));
  }
  EXPECT_TRUE(same_type(a, x, b, y));
  EXPECT_LE(describe(a, x, 100).size(), 103U);
}

TEST(CanonicalTypeMatch, FunctionsCompareEveryParamAndResult) {
  TypeArena a;
  const FunctionType get{{ok(a.borrow(0)), a.string()}, {ok(a.list(ok(a.list(a.u8()))))}};
  const FunctionType other{{ok(a.borrow(0)), a.string()}, {}};
  EXPECT_TRUE(same_function(a, get, a, get));
  EXPECT_FALSE(same_function(a, get, a, other));
  EXPECT_EQ(describe(a, get), "func(borrow<#0>, string) -> list<list<u8>>");
}

TEST(CanonicalTypeMatch, DescribeWritesWitLikeText) {
  TypeArena a;
  EXPECT_EQ(describe(a, ok(a.record({"name", "size"}, {a.string(), ok(a.option(a.u32()))}))),
            "record { name: string, size: option<u32> }");
  EXPECT_EQ(describe(a, ok(a.variant({"a", "b"}, {a.f64(), std::nullopt}))), "variant { a(f64), b }");
  EXPECT_EQ(describe(a, ok(a.result(std::nullopt, a.string()))), "result<_, string>");
  EXPECT_EQ(describe(a, ok(a.result(std::nullopt, std::nullopt))), "result");
  EXPECT_EQ(describe(a, ok(a.enumeration({"x", "y"}))), "enum { x, y }");
  EXPECT_EQ(describe(a, ok(a.fixed_list(a.character(), 4))), "list<char, 4>");
  const std::string long_text = describe(a, wasi_http_error_code(a).type, 40);
  EXPECT_EQ(long_text.size(), 43U);
  EXPECT_EQ(long_text.substr(0, 10), "variant { ");
  EXPECT_EQ(long_text.substr(40), "...");
}

}  // namespace
}  // namespace hookd::engine::canonical
