// The component binary parser against hostile input: truncation and byte
// changes at every offset, every kind of index out of range, huge counts,
// limits on items, names, size and nesting, unknown and value sections.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cctype>

#include "component_parse.hpp"
#include "component_test_shapes.hpp"

namespace hookd::engine::component {
namespace {

using ::testing::HasSubstr;
using namespace test;  // NOLINT(google-build-using-namespace): the shared test shapes

TEST(ComponentParseHostile, EveryTruncationIsAnErrorNotACrash) {
  const Bytes full = http_component();
  ASSERT_TRUE(parse(full));
  for (size_t len = 0; len < full.size(); ++len) {
    const Bytes cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(len));
    auto c = parse(cut);
    // A cut exactly between sections is a shorter valid component.
    if (c) continue;
    EXPECT_EQ(c.error().kind, ErrorKind::kInvalidModule);
    EXPECT_THAT(c.error().message, HasSubstr("at byte offset")) << len;
  }
}

TEST(ComponentParseHostile, EverySingleByteChangeIsHandled) {
  const Bytes full = http_component();
  size_t refused = 0;
  for (size_t at = 8; at < full.size(); ++at) {
    for (const uint8_t v : {uint8_t{0x00}, uint8_t{0x7f}, uint8_t{0x80}, uint8_t{0xff}}) {
      Bytes changed = full;
      changed[at] = v;
      if (!parse(changed)) ++refused;
    }
  }
  EXPECT_GT(refused, full.size());
}

struct BadIndex {
  std::string name;
  Bytes component;
  std::string message;
};

std::vector<BadIndex> bad_indexes() {
  auto base = [] {
    return canon_base();
  };  // func 0, core func 0, core memory 0, core module 0, core instance 0
  std::vector<BadIndex> cases;
  auto add = [&](std::string n, b::Builder c, std::string m) {
    cases.push_back({std::move(n), c.bytes, std::move(m)});
  };
  add("core instantiate module", base().items(b::kCoreInstance, {b::core_instantiate(1)}),
      "core module index 1");
  add("core instantiate arg", base().items(b::kCoreInstance, {b::core_instantiate(0, {{"x", 1}})}),
      "core instance index 1");
  add("core inline export", base().items(b::kCoreInstance, {b::core_exports({{"g", 0x03, 0}})}),
      "core global index 0");
  add("instantiate component", base().items(b::kInstance, {b::instantiate(0)}), "component index 0");
  add("instantiate arg",
      base()
          .component(b::kComponentHeader)
          .items(b::kInstance, {b::instantiate(0, {{"x", b::kSortFunc, 3}})}),
      "func index 3");
  add("inline export", base().items(b::kInstance, {b::instance_exports({{"f", b::kSortFunc, 1}})}),
      "func index 1 is out of range (1 defined so far)");
  add("alias export instance", base().items(b::kAlias, {b::alias_export(b::kSortFunc, 0, "x")}),
      "instance index 0");
  add("alias core export instance", base().items(b::kAlias, {b::alias_core_export(0x00, 1, "x")}),
      "core instance index 1");
  add("alias outer index", base().items(b::kAlias, {b::alias_outer(b::kSortType, 0, 1)}), "type index 1");
  add("alias outer count", base().items(b::kAlias, {b::alias_outer(b::kSortType, 1, 0)}), "outermost");
  add("valtype", base().items(b::kType, {b::option(b::tidx(5))}), "type index 5");
  add("own", base().items(b::kType, {b::own(7)}), "type index 7");
  add("lift core func", base().items(b::kCanon, {b::lift(2, b::opts({}), 0)}), "core func index 2");
  add("lift type", base().items(b::kCanon, {b::lift(0, b::opts({}), 1)}), "type index 1");
  add("lower func", base().items(b::kCanon, {b::lower(1, b::opts({}))}), "func index 1");
  add("memory option", base().items(b::kCanon, {b::lower(0, b::opts({b::opt_memory(1)}))}),
      "core memory index 1");
  add("realloc option", base().items(b::kCanon, {b::lower(0, b::opts({b::opt_realloc(3)}))}),
      "core func index 3");
  add("post-return option", base().items(b::kCanon, {b::lift(0, b::opts({b::opt_post_return(9)}), 0)}),
      "core func index 9");
  add("resource type", base().items(b::kCanon, {b::resource_op(0x04, 4)}), "type index 4");
  add("start func", base().section(b::kStart, b::join({b::u32(1), b::vec({}), b::u32(0)})), "func index 1");
  add("start arg", base().section(b::kStart, b::join({b::u32(0), b::vec({b::u32(0)}), b::u32(0)})),
      "value index 0");
  add("import type", base().items(b::kImport, {b::import_("g", b::et_func(4))}), "type index 4");
  add("import type kind", base().items(b::kImport, {b::import_("g", b::et_instance(0))}),
      "is not of that kind");
  add("export", base().items(b::kExport, {b::export_("g", b::kSortInstance, 0)}), "instance index 0");
  add("export core func", base().items(b::kExport, {b::export_("g", b::kSortCoreFunc, 0)}),
      "cannot export a core func");
  return cases;
}

class ComponentBadIndex : public ::testing::TestWithParam<BadIndex> {};

TEST_P(ComponentBadIndex, IsRefusedNamingTheItemAndOffset) {
  const std::string message = error_of(GetParam().component);
  EXPECT_THAT(message, HasSubstr(GetParam().message));
  EXPECT_THAT(message, HasSubstr("at byte offset"));
}

INSTANTIATE_TEST_SUITE_P(Every, ComponentBadIndex, ::testing::ValuesIn(bad_indexes()), [](const auto& info) {
  std::string n;
  for (const char ch : info.param.name) n += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
  return n;
});

TEST(ComponentParseHostile, HugeCountsAreRefusedBeforeAllocating) {
  // Four billion types in a few bytes.
  EXPECT_THAT(error_of(b::Builder().section(b::kType, {0xff, 0xff, 0xff, 0xff, 0x0f}).bytes),
              HasSubstr("over the limit"));
  ComponentLimits big;
  big.max_section_items = UINT32_MAX;
  big.max_total_items = UINT64_MAX;
  EXPECT_THAT(error_of(b::Builder().section(b::kType, {0xff, 0xff, 0xff, 0xff, 0x0f}).bytes, big),
              HasSubstr("cannot fit in the 0 bytes left"));
  EXPECT_THAT(error_of(b::Builder().section(b::kType, {0x01, 0x72, 0xff, 0xff, 0xff, 0xff, 0x0f}).bytes),
              HasSubstr("record fields"));
  // A LEB128 past 32 bits, and an overlong one.
  EXPECT_THAT(error_of(b::Builder().section(b::kType, {0xff, 0xff, 0xff, 0xff, 0x7f}).bytes),
              HasSubstr("integer too large"));
  EXPECT_THAT(error_of(b::Builder().section(b::kType, {0x80, 0x80, 0x80, 0x80, 0x80, 0x00}).bytes),
              HasSubstr("too long"));
  // A section size past the end.
  EXPECT_THAT(error_of(b::join({b::kComponentHeader, {0x07, 0xff, 0xff, 0x03}})), HasSubstr("past the end"));
}

TEST(ComponentParseHostile, LimitsOnItemsNamesAndSize) {
  ComponentLimits limits;
  limits.max_section_items = 3;
  std::vector<Bytes> four(4, b::prim::kU8);
  EXPECT_THAT(error_of(b::Builder().items(b::kType, four).bytes, limits),
              HasSubstr("4 items are over the limit of 3"));
  ComponentLimits total;
  total.max_total_items = 10;
  b::Builder many;
  for (int i = 0; i < 4; ++i) many.items(b::kType, {b::prim::kU8, b::prim::kU8});
  EXPECT_THAT(error_of(many.bytes, total), HasSubstr("more items in all than the limit"));
  ComponentLimits names;
  names.max_name_bytes = 8;
  b::Builder long_name;
  long_name.items(b::kType, {b::func({}, {})});
  long_name.items(b::kImport, {b::import_("abcdefghi", b::et_func(0))});
  EXPECT_THAT(error_of(long_name.bytes, names), HasSubstr("name of 9 bytes is over the limit of 8"));
  ComponentLimits size;
  size.max_bytes = 7;
  EXPECT_THAT(error_of(b::kComponentHeader, size), HasSubstr("component of 8 bytes is over the limit of 7"));
  b::Builder bad_utf8;
  bad_utf8.custom("\xff", {});
  EXPECT_THAT(error_of(bad_utf8.bytes), HasSubstr("not valid UTF-8"));
}

TEST(ComponentParseHostile, DeepNestingIsBounded) {
  Bytes nested = b::kComponentHeader;
  for (int i = 0; i < 20; ++i) nested = b::Builder().component(nested).bytes;
  EXPECT_THAT(error_of(nested), HasSubstr("nested deeper than the limit of 8"));
  ComponentLimits deep;
  deep.max_component_depth = 30;
  EXPECT_TRUE(parse(nested, deep));

  Bytes type = b::instance_type({});
  for (int i = 0; i < 40; ++i) type = b::instance_type({b::decl_type(type)});
  EXPECT_THAT(error_of(b::Builder().items(b::kType, {type}).bytes),
              HasSubstr("types are nested deeper than the limit"));
}

TEST(ComponentParseHostile, ValueTypeNestingIsBounded) {
  auto chain = [](int n, bool through_alias) {
    std::vector<Bytes> types = {b::prim::kU8};
    for (int i = 0; i < n; ++i) types.push_back(i % 2 == 0 ? b::list(b::tidx(i)) : b::option(b::tidx(i)));
    b::Builder c;
    if (!through_alias) return c.items(b::kType, types).bytes;
    // Half the chain outside, half inside an instance type reached by an outer alias.
    c.items(b::kType, std::vector<Bytes>(types.begin(), types.begin() + n / 2 + 1));
    std::vector<Bytes> decls = {b::decl_alias(b::alias_outer(b::kSortType, 1, n / 2))};
    for (int i = 0; i < n / 2; ++i) decls.push_back(b::decl_type(b::list(b::tidx(i))));
    c.items(b::kType, {b::instance_type(decls)});
    return c.bytes;
  };
  EXPECT_TRUE(parse(chain(99, false)));
  EXPECT_THAT(error_of(chain(100, false)), HasSubstr("value types nest deeper than the limit of 100"));
  EXPECT_TRUE(parse(chain(98, true)));
  EXPECT_THAT(error_of(chain(100, true)), HasSubstr("value types nest deeper than the limit of 100"));
  // Wide is not deep: many fields of one depth.
  std::vector<std::pair<std::string, Bytes>> fields;
  for (int i = 0; i < 500; ++i) fields.emplace_back("f" + std::to_string(i), b::tidx(0));
  EXPECT_TRUE(parse(b::Builder().items(b::kType, {b::list(b::prim::kU8), b::record(fields)}).bytes));
}

TEST(ComponentParseHostile, UnknownAndValueSectionsAreRefused) {
  EXPECT_THAT(error_of(b::Builder().section(13, {}).bytes), HasSubstr("unknown section id 13"));
  EXPECT_THAT(error_of(b::Builder().section(b::kValue, {0x00}).bytes),
              HasSubstr("value sections are not supported"));
  EXPECT_THAT(
      error_of(b::Builder().items(b::kType, {b::prim::kU8}).section(b::kType, {0x01, 0x7d, 0x00}).bytes),
      HasSubstr("1 bytes left over"));
  EXPECT_THAT(error_of(b::Builder().core_module(b::kComponentHeader).bytes), HasSubstr("not a core module"));
}

}  // namespace
}  // namespace hookd::engine::component
