// The component binary parser's types: every value type form, what may name
// what, component and instance types with their own scopes and outer
// aliases, and resources with their built-ins.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "component_builder.hpp"
#include "component_parse.hpp"
#include "component_test_shapes.hpp"

namespace hookd::engine::component {
namespace {

using ::testing::HasSubstr;
using namespace test;  // NOLINT(google-build-using-namespace): the shared test shapes

TEST(ComponentParse, ReadsEveryValueTypeForm) {
  b::Builder c;
  c.items(b::kType, {
                        b::record({{"a", b::prim::kU8}, {"b", b::prim::kString}}),        // 0
                        b::variant({{"none", {}}, {"some", b::tidx(0)}}),                 // 1
                        b::list(b::prim::kU8),                                            // 2
                        b::fixed_list(b::prim::kF32, 4),                                  // 3
                        b::tuple({b::prim::kS64, b::prim::kChar}),                        // 4
                        b::flags({"read", "write", "exec"}),                              // 5
                        b::enum_({"get", "post", "HTTP-put"}),                            // 6
                        b::option(b::tidx(2)),                                            // 7
                        b::result(b::tidx(0), {}),                                        // 8
                        b::result({}, {}),                                                // 9
                        b::resource(),                                                    // 10
                        b::own(10),                                                       // 11
                        b::borrow(10),                                                    // 12
                        b::prim::kBool,                                                   // 13
                        b::func({{"x", b::tidx(12)}, {"y", b::prim::kF64}}, b::tidx(8)),  // 14
                        b::func({}, {}),                                                  // 15
                    });
  auto parsed = parse(c.bytes);
  ASSERT_TRUE(parsed) << parsed.error().message;
  const auto& t = parsed->types;
  ASSERT_EQ(t.size(), 16u);
  const auto& rec = std::get<RecordType>(t[0].def);
  ASSERT_EQ(rec.fields.size(), 2u);
  EXPECT_EQ(rec.fields[1].label, "b");
  EXPECT_EQ(rec.fields[1].type, ValType::of(PrimValType::kString));
  const auto& var = std::get<VariantType>(t[1].def);
  EXPECT_FALSE(var.cases[0].type.has_value());
  EXPECT_EQ(var.cases[1].type, ValType::at(0));
  EXPECT_EQ(std::get<ListType>(t[2].def).element, ValType::of(PrimValType::kU8));
  EXPECT_FALSE(std::get<ListType>(t[2].def).length.has_value());
  EXPECT_EQ(std::get<ListType>(t[3].def).length, 4u);
  EXPECT_EQ(std::get<TupleType>(t[4].def).elements.size(), 2u);
  EXPECT_EQ(std::get<FlagsType>(t[5].def).labels.size(), 3u);
  EXPECT_EQ(std::get<EnumType>(t[6].def).labels[2], "HTTP-put");
  EXPECT_EQ(std::get<OptionType>(t[7].def).value, ValType::at(2));
  EXPECT_EQ(std::get<ResultType>(t[8].def).ok, ValType::at(0));
  EXPECT_FALSE(std::get<ResultType>(t[9].def).ok.has_value());
  EXPECT_FALSE(std::get<ResourceType>(t[10].def).dtor.has_value());
  EXPECT_EQ(std::get<OwnType>(t[11].def).resource, 10u);
  EXPECT_EQ(std::get<BorrowType>(t[12].def).resource, 10u);
  EXPECT_EQ(std::get<PrimValType>(t[13].def), PrimValType::kBool);
  const auto& fn = std::get<FuncType>(t[14].def);
  ASSERT_EQ(fn.params.size(), 2u);
  EXPECT_EQ(fn.params[0].type, ValType::at(12));
  EXPECT_EQ(fn.result, ValType::at(8));
  EXPECT_FALSE(std::get<FuncType>(t[15].def).result.has_value());
}

TEST(ComponentParse, ValueTypesMustNameValueTypesAndHandlesResources) {
  const Bytes func_type = b::func({}, {});
  EXPECT_THAT(error_of(b::Builder().items(b::kType, {func_type, b::list(b::tidx(0))}).bytes),
              HasSubstr("type index 0 is not a value type"));
  EXPECT_THAT(error_of(b::Builder().items(b::kType, {b::prim::kU8, b::own(0)}).bytes),
              HasSubstr("own: type index 0 is not a resource"));
  EXPECT_THAT(error_of(b::Builder().items(b::kType, {b::list(b::tidx(0))}).bytes),
              HasSubstr("type index 0 is out of range"));
  EXPECT_THAT(error_of(b::Builder().items(b::kType, {b::record({})}).bytes), HasSubstr("at least one field"));
  EXPECT_THAT(error_of(b::Builder().items(b::kType, {b::fixed_list(b::prim::kU8, 0)}).bytes),
              HasSubstr("length above 0"));
  std::vector<std::string> many(33, "f");
  for (size_t i = 0; i < many.size(); ++i) many[i] += std::to_string(i);
  EXPECT_THAT(error_of(b::Builder().items(b::kType, {b::flags(many)}).bytes), HasSubstr("more than 32"));
  EXPECT_THAT(error_of(b::Builder().items(b::kType, {b::record({{"Not_kebab", b::prim::kU8}})}).bytes),
              HasSubstr("not a kebab-case label"));
  EXPECT_THAT(error_of(b::Builder().items(b::kType, {{0x55}}).bytes), HasSubstr("unknown type form 85"));
}

TEST(ComponentParse, ComponentTypesHaveTheirOwnScopesAndOuterAliases) {
  b::Builder c;
  c.items(b::kType,
          {b::prim::kString,  // type 0
           b::component_type({
               b::decl_alias(b::alias_outer(b::kSortType, 1, 0)),  // inner type 0 = outer string
               b::decl_type(b::func({{"s", b::tidx(0)}}, {})),     // inner type 1
               b::decl_import("log", b::et_func(1)),
               b::decl_type(b::instance_type({
                   b::decl_alias(b::alias_outer(b::kSortType, 2, 0)),  // the outermost string
                   b::decl_export("r", b::kEtSubResource),
               })),  // inner type 2
               b::decl_import("wasi:io/streams@0.2.0", b::et_instance(2)),
               b::decl_alias(b::alias_export(b::kSortType, 0, "r")),  // inner type 3
               b::decl_type(b::own(3)),
               b::decl_core_type(b::core_func_type({0x7f}, {})),
               b::decl_core_type(b::core_module_type({
                   {0x01, 0x60, 0x01, 0x7f, 0x00},            // type (func (param i32))
                   {0x00, 0x01, 'm', 0x01, 'f', 0x00, 0x00},  // import "m" "f" (func 0)
                   {0x02, 0x10, 0x01, 0x02, 0x00},  // alias outer 2 core type 0 (none there: see below)
               })),
               b::decl_export("run", b::et_func(1)),
           })});
  // The module type's outer alias reaches two scopes out: the component,
  // which has no core types; drop that declaration for the valid case.
  auto bad = parse(c.bytes);
  ASSERT_FALSE(bad);
  EXPECT_THAT(bad.error().message, HasSubstr("core type index 0 is out of range"));

  b::Builder ok;
  ok.items(b::kType,
           {b::prim::kString,
            b::component_type({
                b::decl_alias(b::alias_outer(b::kSortType, 1, 0)),
                b::decl_type(b::func({{"s", b::tidx(0)}}, {})),
                b::decl_import("log", b::et_func(1)),
                b::decl_type(b::instance_type({
                    b::decl_alias(b::alias_outer(b::kSortType, 2, 0)),
                    b::decl_export("r", b::kEtSubResource),
                })),
                b::decl_import("wasi:io/streams@0.2.0", b::et_instance(2)),
                b::decl_alias(b::alias_export(b::kSortType, 0, "r")),
                b::decl_type(b::own(3)),
                b::decl_core_type(b::core_func_type({0x7f}, {})),
                b::decl_core_type(b::core_module_type({
                    {0x01, 0x60, 0x01, 0x7f, 0x00},
                    {0x00, 0x01, 'm', 0x01, 'f', 0x00, 0x00},
                    {0x02, 0x10, 0x01, 0x01, 0x00},  // alias outer 1 core type 0: the component type's
                    {0x03, 0x03, 'm', 'e', 'm', 0x02, 0x01, 0x01, 0x02},  // export "mem" (memory 1 2)
                })),
                b::decl_export("run", b::et_func(1)),
            })});
  ok.items(b::kImport, {b::import_("plugin", b::et_component(1))});
  auto c2 = parse(ok.bytes);
  ASSERT_TRUE(c2) << c2.error().message;
  const auto& ct = std::get<ComponentType>(c2->types[1].def);
  EXPECT_EQ(ct.decls.order.size(), 10u);
  EXPECT_EQ(ct.decls.imports.size(), 2u);
  EXPECT_EQ(ct.decls.exports.size(), 1u);
  EXPECT_EQ(ct.decls.aliases[0].kind, Alias::Kind::kOuter);
  EXPECT_EQ(ct.decls.aliases[0].outer_count, 1u);
  const auto& mt = std::get<CoreModuleType>(ct.decls.core_types[1].def);
  ASSERT_EQ(mt.decls.size(), 4u);
  EXPECT_EQ(mt.decls[1].kind, CoreModuleDeclKind::kImport);
  EXPECT_EQ(mt.decls[1].module, "m");
  EXPECT_EQ(mt.decls[3].type.kind, 2);
  EXPECT_EQ(mt.decls[3].type.max, 2u);
  EXPECT_EQ(c2->components.size(), 0u);
  EXPECT_EQ(c2->spaces.size(Sort::kComponent), 1u);
}

TEST(ComponentParse, TypesRefuseResourcesAndCoreExportAliasesInside) {
  EXPECT_THAT(error_of(b::Builder().items(b::kType, {b::instance_type({b::decl_type(b::resource())})}).bytes),
              HasSubstr("resource type can only be defined in a component"));
  EXPECT_THAT(
      error_of(
          b::Builder().items(b::kType, {b::instance_type({b::decl_import("x", b::kEtSubResource)})}).bytes),
      HasSubstr("instance type cannot declare imports"));
  EXPECT_THAT(
      error_of(b::Builder()
                   .items(b::kType, {b::instance_type({b::decl_alias(b::alias_core_export(0, 0, "f"))})})
                   .bytes),
      HasSubstr("core export alias cannot appear in a type"));
  EXPECT_THAT(
      error_of(b::Builder()
                   .items(b::kType, {b::instance_type({b::decl_alias(b::alias_outer(b::kSortType, 2, 0))})})
                   .bytes),
      HasSubstr("past the outermost enclosing scope"));
  EXPECT_THAT(
      error_of(b::Builder()
                   .items(b::kType, {b::instance_type({b::decl_alias(b::alias_outer(b::kSortFunc, 1, 0))})})
                   .bytes),
      HasSubstr("outer alias cannot alias a func"));
}

TEST(ComponentParse, ResourcesAndTheirBuiltins) {
  b::Builder c;
  c.core_module();
  c.items(b::kCoreInstance, {b::core_instantiate(0)});
  c.items(b::kAlias, {b::alias_core_export(0x00, 0, "dtor")});  // core func 0
  c.items(b::kType, {b::resource(0u), b::resource()});
  c.items(b::kCanon, {b::resource_op(0x02, 0), b::resource_op(0x03, 0), b::resource_op(0x04, 1)});
  auto parsed = parse(c.bytes);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(std::get<ResourceType>(parsed->types[0].def).dtor, 0u);
  EXPECT_EQ(parsed->canons[0].op, CanonOp::kResourceNew);
  EXPECT_EQ(parsed->canons[2].type, 1u);
  EXPECT_EQ(parsed->spaces.size(Sort::kCoreFunc), 4u);

  b::Builder bad;
  bad.items(b::kType, {b::prim::kU8});
  bad.items(b::kCanon, {b::resource_op(0x02, 0)});
  EXPECT_THAT(error_of(bad.bytes), HasSubstr("canon resource.new: type index 0 is not a resource"));
  EXPECT_THAT(error_of(b::Builder().items(b::kType, {b::resource(0u)}).bytes),
              HasSubstr("resource destructor: core func index 0 is out of range"));
}

}  // namespace
}  // namespace hookd::engine::component
