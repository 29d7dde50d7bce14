// The component binary parser on nested components, their instances and
// outer aliases, and export aliases checked against the instance they name.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "component_builder.hpp"
#include "component_parse.hpp"
#include "component_test_shapes.hpp"

namespace hookd::engine::component {
namespace {

using ::testing::HasSubstr;
using namespace test;  // NOLINT(google-build-using-namespace): the shared test shapes

TEST(ComponentParse, NestedComponentsInstancesAndOuterAliases) {
  b::Builder inner;
  inner.items(b::kAlias, {b::alias_outer(b::kSortType, 1, 0)});  // the parent's type 0
  inner.items(b::kImport, {b::import_("f", b::et_func(0))});
  inner.items(b::kExport, {b::export_("g", b::kSortFunc, 0)});
  b::Builder c;
  c.items(b::kType, {b::func({}, {})});
  c.items(b::kImport, {b::import_("host-f", b::et_func(0))});
  c.component(inner.bytes);
  c.items(b::kInstance, {b::instantiate(0, {{"f", b::kSortFunc, 0}}),
                         b::instance_exports({{"h", b::kSortFunc, 0}, {"c", b::kSortComponent, 0}})});
  c.items(b::kAlias, {b::alias_export(b::kSortFunc, 0, "g")});
  c.items(b::kExport, {b::export_("g", b::kSortFunc, 1), b::export_("api", b::kSortInstance, 1)});
  auto parsed = parse(c.bytes);
  ASSERT_TRUE(parsed) << parsed.error().message;
  ASSERT_EQ(parsed->components.size(), 1u);
  const Component& nested = parsed->components[0];
  EXPECT_EQ(nested.imports[0].name.text, "f");
  EXPECT_EQ(nested.aliases[0].outer_count, 1u);
  EXPECT_EQ(nested.offset, parsed->sections[2].offset + 2);
  ASSERT_EQ(parsed->instances.size(), 2u);
  EXPECT_EQ(parsed->instances[0].args[0].name, "f");
  EXPECT_EQ(parsed->instances[1].exports[1].sort, Sort::kComponent);
  EXPECT_EQ(parsed->spaces.size(Sort::kInstance), 3u);
  EXPECT_EQ(parsed->spaces.at(Sort::kInstance, 2), (IndexEntry{Origin::kExport, 1}));

  // An outer alias in a component cannot reach a func (only modules,
  // components and types).
  b::Builder bad;
  bad.items(b::kType, {b::func({}, {})});
  bad.items(b::kImport, {b::import_("f", b::et_func(0))});
  bad.component(b::Builder().items(b::kAlias, {b::alias_outer(b::kSortFunc, 1, 0)}).bytes);
  EXPECT_THAT(error_of(bad.bytes), HasSubstr("outer alias cannot alias a func"));
}

TEST(ComponentParse, ExportAliasesOfInlineExportInstancesMustNameAnExport) {
  // core instance 1 exports core func 0 as "f"; instance 0 exports func 0 as "g".
  auto base = [] {
    b::Builder c = canon_base();
    c.items(b::kCoreInstance, {b::core_exports({{"f", 0x00, 0}})});
    c.items(b::kInstance, {b::instance_exports({{"g", b::kSortFunc, 0}})});
    return c;
  };
  auto ok =
      parse(base()
                .items(b::kAlias, {b::alias_core_export(0x00, 1, "f"), b::alias_export(b::kSortFunc, 0, "g"),
                                   b::alias_core_export(0x00, 0, "anything")})
                .bytes);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->spaces.size(Sort::kCoreFunc), 3u);
  EXPECT_THAT(error_of(base().items(b::kAlias, {b::alias_core_export(0x00, 1, "x")}).bytes),
              HasSubstr("core instance 1 has no core func export named 'x'"));
  EXPECT_THAT(error_of(base().items(b::kAlias, {b::alias_core_export(0x02, 1, "f")}).bytes),
              HasSubstr("core instance 1 has no core memory export named 'f'"));
  EXPECT_THAT(error_of(base().items(b::kAlias, {b::alias_export(b::kSortInstance, 0, "g")}).bytes),
              HasSubstr("instance 0 has no instance export named 'g'"));
}

TEST(ComponentParse, ExportAliasesOfImportedAndNestedInstancesAreCheckedAgainstTheirTypes) {
  // The http-shaped component aliases "fields" (a resource) and
  // "[constructor]fields" from its imported instance; resource.drop needs
  // the aliased type to be known as a resource.
  ASSERT_TRUE(parse(http_component()));
  b::Builder c;
  c.items(b::kType,
          {b::instance_type({b::decl_export("fields", b::kEtSubResource), b::decl_type(b::func({}, {})),
                             b::decl_export("run", b::et_func(1))})});
  c.items(b::kImport, {b::import_("wasi:http/types@0.2.0", b::et_instance(0))});
  auto with = [&](const Bytes& alias, const std::vector<Bytes>& canons = {}) {
    b::Builder x = c;
    x.items(b::kAlias, {alias});
    if (!canons.empty()) x.items(b::kCanon, canons);
    return x.bytes;
  };
  EXPECT_TRUE(parse(with(b::alias_export(b::kSortType, 0, "fields"), {b::resource_op(0x03, 1)})));
  EXPECT_TRUE(parse(with(b::alias_export(b::kSortFunc, 0, "run"))));
  EXPECT_THAT(error_of(with(b::alias_export(b::kSortFunc, 0, "walk"))),
              HasSubstr("instance 0 has no func export named 'walk'"));
  EXPECT_THAT(error_of(with(b::alias_export(b::kSortType, 0, "run"))),
              HasSubstr("instance 0 has no type export named 'run'"));
  // A nested component's instance exports what the component exports.
  b::Builder inner;
  inner.items(b::kType, {b::func({}, {})});
  inner.items(b::kImport, {b::import_("f", b::et_func(0))});
  inner.items(b::kExport, {b::export_("g", b::kSortFunc, 0)});
  b::Builder outer;
  outer.component(inner.bytes);
  outer.items(b::kType, {b::func({}, {})});
  outer.items(b::kImport, {b::import_("f", b::et_func(0))});
  outer.items(b::kInstance, {b::instantiate(0, {{"f", b::kSortFunc, 0}})});
  b::Builder good = outer;
  good.items(b::kAlias, {b::alias_export(b::kSortFunc, 0, "g")});
  EXPECT_TRUE(parse(good.bytes));
  outer.items(b::kAlias, {b::alias_export(b::kSortFunc, 0, "f")});
  EXPECT_THAT(error_of(outer.bytes), HasSubstr("instance 0 has no func export named 'f'"));
  // Inline exports are unique.
  EXPECT_THAT(
      error_of(
          canon_base().items(b::kCoreInstance, {b::core_exports({{"f", 0x00, 0}, {"f", 0x02, 0}})}).bytes),
      HasSubstr("duplicate export f"));
}

}  // namespace
}  // namespace hookd::engine::component
