// The component binary parser (engine/src/component): every section, every
// type form, aliases, canon definitions with their options, nested
// components, names, the index spaces, the summary, and hostile input.
#include "component_parse.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <iterator>

#include "component_builder.hpp"

namespace hookd::engine::component {
namespace {

using ::testing::HasSubstr;
namespace b = hookd::test::component;
using b::Bytes;

Result<Component> parse(const Bytes& bytes, const ComponentLimits& limits = {}) {
  return parse_component(bytes, limits);
}

std::string error_of(const Bytes& bytes, const ComponentLimits& limits = {}) {
  auto c = parse(bytes, limits);
  if (c) return "(parsed)";
  EXPECT_EQ(c.error().kind, ErrorKind::kInvalidModule);
  return c.error().message;
}

// A component shaped like what wit-component emits for an HTTP handler: an
// imported interface instance with a resource and a constructor, a lowered
// import, two core modules wired through core instances, a lifted export.
Bytes http_component() {
  b::Builder c;
  // type 0: the interface's instance type.
  c.items(b::kType, {b::instance_type({
                        b::decl_export("fields", b::kEtSubResource),                      // type 0
                        b::decl_type(b::own(0)),                                          // type 1
                        b::decl_type(b::borrow(0)),                                       // type 2
                        b::decl_type(b::func({{"name", b::prim::kString}}, b::tidx(1))),  // type 3
                        b::decl_export("[constructor]fields", b::et_func(3)),
                        b::decl_type(b::func({{"self", b::tidx(2)}}, b::prim::kU32)),  // type 4
                        b::decl_export("[method]fields.size", b::et_func(4)),
                    })});
  c.items(b::kImport, {b::import_("wasi:http/types@0.2.0", b::et_instance(0))});  // instance 0
  c.items(b::kAlias, {b::alias_export(b::kSortFunc, 0, "[constructor]fields"),    // func 0
                      b::alias_export(b::kSortType, 0, "fields")});               // type 1
  c.core_module();                                                                // core module 0: main
  c.core_module();                                                                // core module 1: shim
  c.items(b::kCoreInstance, {b::core_instantiate(1)});                            // core instance 0
  c.items(b::kAlias, {b::alias_core_export(0x02, 0, "memory"),                    // core memory 0
                      b::alias_core_export(0x00, 0, "cabi_realloc")});            // core func 0
  c.items(b::kCanon, {b::lower(0, b::opts({b::kUtf8, b::opt_memory(0), b::opt_realloc(0)})),  // core func 1
                      b::resource_op(0x03, 1)});                                              // core func 2
  c.items(b::kCoreInstance,
          {b::core_exports({{"[constructor]fields", 0x00, 1}, {"[resource-drop]fields", 0x00, 2}}),
           b::core_instantiate(0, {{"wasi:http/types@0.2.0", 1}})});        // core instances 1, 2
  c.items(b::kAlias, {b::alias_core_export(0x00, 2, "handle"),              // core func 3
                      b::alias_core_export(0x00, 2, "cabi_post_handle")});  // core func 4
  c.items(b::kType, {b::func({{"a", b::prim::kU32}}, b::prim::kString)});   // type 2
  c.items(b::kCanon,
          {b::lift(3, b::opts({b::opt_memory(0), b::opt_realloc(0), b::opt_post_return(4)}), 2)});  // func 1
  c.items(b::kExport, {b::export_("handle", b::kSortFunc, 1, b::et_func(2))});                      // func 2
  return c.bytes;
}

TEST(ComponentParse, AnEmptyComponentParses) {
  auto c = parse(b::kComponentHeader);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_TRUE(c->sections.empty());
  EXPECT_EQ(c->size, 8u);
}

TEST(ComponentParse, ACoreModuleIsRefusedAsNotAComponent) {
  EXPECT_THAT(error_of(b::kModuleHeader), HasSubstr("core WebAssembly module, not a component"));
  EXPECT_THAT(error_of({0x00, 0x61, 0x73, 0x6d, 0x0e, 0x00, 0x01, 0x00}), HasSubstr("version"));
  EXPECT_THAT(error_of({0x01, 0x02}), HasSubstr("bad magic"));
}

TEST(ComponentParse, ReadsAnHttpShapedComponentWithItsIndexSpaces) {
  const Bytes bytes = http_component();
  auto c = parse(bytes);
  ASSERT_TRUE(c) << c.error().message;

  ASSERT_EQ(c->imports.size(), 1u);
  const Import& imp = c->imports[0];
  EXPECT_EQ(imp.name.form, NameForm::kInterface);
  EXPECT_EQ(imp.name.ns, "wasi");
  EXPECT_EQ(imp.name.package, "http");
  EXPECT_EQ(imp.name.interface, "types");
  EXPECT_EQ(imp.name.version, "0.2.0");
  EXPECT_EQ(imp.type.kind, ExternKind::kInstance);

  const auto& it = std::get<InstanceType>(c->types[0].def);
  ASSERT_EQ(it.decls.exports.size(), 3u);
  EXPECT_EQ(it.decls.exports[0].name.text, "fields");
  EXPECT_TRUE(it.decls.exports[0].type.sub_resource);
  EXPECT_EQ(it.decls.exports[1].name.form, NameForm::kConstructor);
  EXPECT_EQ(it.decls.exports[2].name.form, NameForm::kMethod);
  EXPECT_EQ(it.decls.exports[2].name.resource, "fields");
  EXPECT_EQ(it.decls.exports[2].name.label, "size");
  EXPECT_EQ(std::get<OwnType>(it.decls.types[0].def).resource, 0u);

  // Core modules are byte ranges into the input.
  ASSERT_EQ(c->core_modules.size(), 2u);
  for (const CoreModule& m : c->core_modules) {
    ASSERT_EQ(m.size, 8u);
    EXPECT_TRUE(std::equal(b::kModuleHeader.begin(), b::kModuleHeader.end(), bytes.begin() + m.offset));
  }

  ASSERT_EQ(c->canons.size(), 3u);
  const Canon& lower = c->canons[0];
  EXPECT_EQ(lower.op, CanonOp::kLower);
  EXPECT_EQ(lower.func, 0u);
  EXPECT_EQ(lower.options.string_encoding, StringEncoding::kUtf8);
  EXPECT_EQ(lower.options.memory, 0u);
  EXPECT_EQ(lower.options.realloc, 0u);
  EXPECT_EQ(c->canons[1].op, CanonOp::kResourceDrop);
  const Canon& lift = c->canons[2];
  EXPECT_EQ(lift.op, CanonOp::kLift);
  EXPECT_EQ(lift.func, 3u);
  EXPECT_EQ(lift.type, 2u);
  EXPECT_EQ(lift.options.post_return, 4u);

  const IndexSpaces& s = c->spaces;
  EXPECT_EQ(s.size(Sort::kInstance), 1u);
  EXPECT_EQ(s.size(Sort::kType), 3u);  // the instance type, the aliased resource, the func type
  EXPECT_EQ(s.size(Sort::kFunc), 3u);  // alias, lift, export
  EXPECT_EQ(s.size(Sort::kCoreModule), 2u);
  EXPECT_EQ(s.size(Sort::kCoreInstance), 3u);
  EXPECT_EQ(s.size(Sort::kCoreMemory), 1u);
  EXPECT_EQ(s.size(Sort::kCoreFunc), 5u);
  EXPECT_EQ(s.at(Sort::kFunc, 0), (IndexEntry{Origin::kAlias, 0}));
  EXPECT_EQ(s.at(Sort::kFunc, 1), (IndexEntry{Origin::kCanon, 2}));
  EXPECT_EQ(s.at(Sort::kFunc, 2), (IndexEntry{Origin::kExport, 0}));
  EXPECT_EQ(s.at(Sort::kCoreFunc, 0), (IndexEntry{Origin::kAlias, 3}));
  EXPECT_EQ(s.at(Sort::kCoreFunc, 1), (IndexEntry{Origin::kCanon, 0}));
  EXPECT_EQ(s.at(Sort::kCoreFunc, 2), (IndexEntry{Origin::kCanon, 1}));
  EXPECT_EQ(s.at(Sort::kCoreFunc, 3), (IndexEntry{Origin::kAlias, 4}));
  EXPECT_EQ(s.at(Sort::kType, 1), (IndexEntry{Origin::kAlias, 1}));
  EXPECT_EQ(s.at(Sort::kCoreInstance, 2), (IndexEntry{Origin::kCoreInstance, 2}));

  const CoreInstance& main = c->core_instances[2];
  EXPECT_EQ(main.kind, CoreInstance::Kind::kInstantiate);
  EXPECT_EQ(main.module, 0u);
  ASSERT_EQ(main.args.size(), 1u);
  EXPECT_EQ(main.args[0].name, "wasi:http/types@0.2.0");
  EXPECT_EQ(main.args[0].instance, 1u);
  const CoreInstance& shim = c->core_instances[1];
  EXPECT_EQ(shim.kind, CoreInstance::Kind::kFromExports);
  ASSERT_EQ(shim.exports.size(), 2u);
  EXPECT_EQ(shim.exports[1].sort, Sort::kCoreFunc);
  EXPECT_EQ(shim.exports[1].index, 2u);

  // The sections in binary order, each with the items it added.
  ASSERT_EQ(c->sections.size(), 13u);
  EXPECT_EQ(c->sections[0].id, 7);
  EXPECT_EQ(c->sections[8].id, 2);
  EXPECT_EQ(c->sections[8].first, 1u);
  EXPECT_EQ(c->sections[8].count, 2u);

  ASSERT_EQ(c->exports.size(), 1u);
  EXPECT_EQ(c->exports[0].name.text, "handle");
  ASSERT_TRUE(c->exports[0].type.has_value());
  EXPECT_EQ(c->exports[0].type->index, 2u);
}

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

// A component with a memory, a realloc and a func to lower/lift, for the
// canon tests: core func 0 (realloc), core memory 0, func 0 (imported).
b::Builder canon_base() {
  b::Builder c;
  c.items(b::kType, {b::func({}, {})});
  c.items(b::kImport, {b::import_("f", b::et_func(0))});
  c.core_module();
  c.items(b::kCoreInstance, {b::core_instantiate(0)});
  c.items(b::kAlias, {b::alias_core_export(0x00, 0, "realloc"), b::alias_core_export(0x02, 0, "memory")});
  return c;
}

TEST(ComponentParse, CanonOptionsAreAllRead) {
  b::Builder c = canon_base();
  c.items(b::kCanon, {b::lower(0, b::opts({b::kUtf16, b::opt_memory(0), b::opt_realloc(0)})),
                      b::lower(0, b::opts({b::kLatin1Utf16})), b::lower(0, b::opts({})),
                      b::lift(0, b::opts({b::opt_post_return(0)}), 0)});
  auto parsed = parse(c.bytes);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->canons[0].options.string_encoding, StringEncoding::kUtf16);
  EXPECT_EQ(parsed->canons[1].options.string_encoding, StringEncoding::kLatin1Utf16);
  EXPECT_EQ(parsed->canons[2].options.string_encoding, StringEncoding::kUtf8);
  EXPECT_FALSE(parsed->canons[2].options.memory.has_value());
  EXPECT_EQ(parsed->canons[3].options.post_return, 0u);

  b::Builder twice = canon_base();
  twice.items(b::kCanon, {b::lower(0, b::opts({b::kUtf8, b::kUtf16}))});
  EXPECT_THAT(error_of(twice.bytes), HasSubstr("canon option given twice or conflicting"));
  b::Builder unknown = canon_base();
  unknown.items(b::kCanon, {b::lower(0, b::opts({{0x09}}))});
  EXPECT_THAT(error_of(unknown.bytes), HasSubstr("unknown canon option 9"));
}

TEST(ComponentParse, AsyncFeaturesAreRefusedUnlessAllowedAndParsedWhenAllowed) {
  ComponentLimits allow;
  allow.allow_async = true;
  struct Case {
    std::string name;
    Bytes canon_or_type;
    bool is_type;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"async option", b::lower(0, b::opts({b::kAsync})), false, "async canon option"},
      {"callback option", b::lift(0, b::opts({b::opt_callback(0), b::kAsync}), 0), false,
       "callback canon option"},
      {"stream.new", b::resource_op(0x0e, 0), false, "canon stream.new"},
      {"waitable-set.wait", {0x20, 0x01, 0x00}, false, "canon waitable-set.wait"},
      {"task.return", {0x09, 0x00, 0x73, 0x00}, false, "canon task.return"},
      {"thread.spawn-indirect", {0x41, 0x00, 0x00, 0x00}, false, "canon thread.spawn-indirect"},
      {"context.get", {0x0a, 0x7f, 0x00}, false, "canon context.get"},
      {"stream type", b::stream(b::prim::kU8), true, "stream type"},
      {"future type", b::future({}), true, "future type"},
      {"async func", b::func({}, {}, 0x43), true, "async function type"},
      {"error-context", {0x64}, true, "error-context"},
  };
  for (const Case& k : cases) {
    b::Builder c = canon_base();
    if (k.is_type) {
      c.items(b::kType, {k.canon_or_type});
    } else {
      c.items(b::kCoreType, {b::core_func_type({}, {})});
      c.section(b::kCoreModule, b::kModuleHeader);
      c.items(b::kAlias, {b::alias_core_export(0x01, 0, "table")});
      c.items(b::kCanon, {k.canon_or_type});
    }
    EXPECT_THAT(error_of(c.bytes), HasSubstr(k.message)) << k.name;
    EXPECT_THAT(error_of(c.bytes), HasSubstr("synchronous (WASI 0.2) ABI")) << k.name;
    auto parsed = parse(c.bytes, allow);
    EXPECT_TRUE(parsed) << k.name << ": " << parsed.error().message;
  }
  b::Builder c = canon_base();
  c.items(b::kCanon, {{0x20, 0x01, 0x00}});
  auto parsed = parse(c.bytes, allow);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->canons[0].op, CanonOp::kWaitableSetWait);
  EXPECT_TRUE(parsed->canons[0].cancellable);
  EXPECT_FALSE(canon_supported(parsed->canons[0].op));
  EXPECT_EQ(canon_name(parsed->canons[0].op), "waitable-set.wait");
  EXPECT_THAT(error_of(canon_base().items(b::kCanon, {{0x3a}}).bytes), HasSubstr("unknown canon opcode 58"));
}

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

TEST(ComponentParse, NamesAreSplitAndChecked) {
  b::Builder c;
  c.items(b::kType, {b::instance_type({}), b::func({}, {})});
  c.items(b::kImport, {
                          b::import_("wasi:http/outgoing-handler@0.2.10", b::et_instance(0)),
                          b::import_("wasi:cli/environment", b::et_instance(0)),
                          b::import_("a:b:c/d/e@1.0.0-rc.1+build", b::et_instance(0)),
                          b::import_("[static]fields.from-list", b::et_func(1)),
                          b::import_("get-XML", b::et_func(1)),
                          b::join({{0x02},
                                   b::name("db"),
                                   b::vec({b::join({{0x00}, b::name("wasi:keyvalue/store")}),
                                           b::join({{0x02}, b::name("prod")})}),
                                   b::et_instance(0)}),
                      });
  auto parsed = parse(c.bytes);
  ASSERT_TRUE(parsed) << parsed.error().message;
  const auto& n = parsed->imports;
  EXPECT_EQ(n[0].name.interface, "outgoing-handler");
  EXPECT_EQ(n[0].name.version, "0.2.10");
  EXPECT_EQ(n[1].name.version, "");
  EXPECT_EQ(n[1].name.package, "cli");
  EXPECT_EQ(n[2].name.ns, "a:b");
  EXPECT_EQ(n[2].name.package, "c");
  EXPECT_EQ(n[2].name.interface, "d/e");
  EXPECT_EQ(n[2].name.version, "1.0.0-rc.1+build");
  EXPECT_EQ(n[3].name.form, NameForm::kStatic);
  EXPECT_EQ(n[3].name.resource, "fields");
  EXPECT_EQ(n[3].name.label, "from-list");
  EXPECT_EQ(n[4].name.form, NameForm::kPlain);
  EXPECT_EQ(n[5].name.implements, "wasi:keyvalue/store");
  EXPECT_EQ(n[5].name.external_id, "prod");

  for (const std::string bad : {"wasi:http", "Wasi:http/types", "wasi:http/types@", "wasi:http/types@x.y",
                                "under_score", "-lead", "trail-", "[method]nodot", "mIxed", ""}) {
    b::Builder d;
    d.items(b::kType, {b::instance_type({})});
    d.items(b::kImport, {b::import_(bad, b::et_instance(0))});
    EXPECT_THAT(error_of(d.bytes), HasSubstr("bad import/export name")) << bad;
  }
  b::Builder dup;
  dup.items(b::kType, {b::instance_type({})});
  dup.items(b::kImport, {b::import_("x", b::et_instance(0))});
  dup.items(b::kImport, {b::import_("x", b::et_instance(0))});
  EXPECT_THAT(error_of(dup.bytes), HasSubstr("duplicate import x"));
}

TEST(ComponentParse, TheSummaryListsImportsAndExports) {
  auto parsed = parse(http_component());
  ASSERT_TRUE(parsed) << parsed.error().message;
  const ComponentSummary s = summarize(*parsed);
  ASSERT_EQ(s.imports.size(), 1u);
  EXPECT_EQ(s.imports[0].name, "wasi:http/types@0.2.0");
  EXPECT_EQ(s.imports[0].kind, ExternKind::kInstance);
  EXPECT_EQ(s.imports[0].interface_id, "wasi:http/types");
  EXPECT_EQ(s.imports[0].version, "0.2.0");
  ASSERT_EQ(s.exports.size(), 1u);
  EXPECT_EQ(s.exports[0].kind, ExternKind::kFunc);
  EXPECT_EQ(s.exports[0].index, 1u);
  EXPECT_EQ(s.exports[0].type_index, 2u);
  EXPECT_EQ(s.describe(),
            "import instance wasi:http/types@0.2.0 (type 0)\nexport func handle (func 1, type 2)\n");
}

TEST(ComponentParse, CustomStartAndCoreTypeSections) {
  b::Builder c;
  c.custom("producers", {1, 2, 3});
  c.items(b::kCoreType, {b::core_func_type({0x7f, 0x7e}, {0x7d}), b::core_module_type({})});
  c.items(b::kType, {b::func({}, {})});
  c.items(b::kImport, {b::import_("run", b::et_func(0)), b::import_("m", b::et_core_module(1))});
  c.section(b::kStart, b::join({b::u32(0), b::vec({}), b::u32(0)}));
  auto parsed = parse(c.bytes);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->custom_sections[0].name, "producers");
  EXPECT_EQ(parsed->custom_sections[0].size, 3u);
  EXPECT_EQ(std::get<CoreFuncType>(parsed->core_types[0].def).params.size(), 2u);
  EXPECT_EQ(parsed->starts.size(), 1u);
  EXPECT_EQ(parsed->spaces.size(Sort::kCoreModule), 1u);

  b::Builder not_module;
  not_module.items(b::kCoreType, {b::core_func_type({}, {})});
  not_module.items(b::kImport, {b::import_("m", b::et_core_module(0))});
  EXPECT_THAT(error_of(not_module.bytes), HasSubstr("not a module type"));
  EXPECT_THAT(error_of(b::Builder().items(b::kCoreType, {{0x4e, 0x00}}).bytes), HasSubstr("not GC types"));
}

// ---- components from another encoder ----------------------------------------

Bytes seed(const std::string& name) {
  std::ifstream in(std::string(HOOKD_SOURCE_DIR) + "/tests/fuzz/corpus/component_binary/" + name,
                   std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// tests/engine/component_wat/features.wat, encoded by wasm-tools.
TEST(ComponentParseWasmTools, ReadsResourcesCanonsAndANestedComponent) {
  const Bytes bytes = seed("wat_features");
  ASSERT_FALSE(bytes.empty());
  auto c = parse(bytes);
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_EQ(c->imports.size(), 1u);
  EXPECT_EQ(c->imports[0].name.interface, "things");
  EXPECT_EQ(c->imports[0].name.version, "0.2.3");
  const auto& it = std::get<InstanceType>(c->types[0].def);
  EXPECT_EQ(it.decls.exports.size(), 3u);
  std::vector<CanonOp> ops;
  for (const Canon& k : c->canons) ops.push_back(k.op);
  EXPECT_EQ(ops, (std::vector<CanonOp>{CanonOp::kLower, CanonOp::kResourceDrop, CanonOp::kResourceNew,
                                       CanonOp::kResourceRep, CanonOp::kLift}));
  EXPECT_EQ(c->canons[0].options.string_encoding, StringEncoding::kUtf16);
  EXPECT_TRUE(c->canons[0].options.memory.has_value());
  EXPECT_TRUE(c->canons[4].options.post_return.has_value());
  bool has_dtor = false;
  for (const TypeDef& t : c->types) {
    if (const auto* r = std::get_if<ResourceType>(&t.def)) has_dtor = r->dtor.has_value();
  }
  EXPECT_TRUE(has_dtor);
  ASSERT_EQ(c->components.size(), 1u);
  EXPECT_EQ(c->components[0].imports[0].name.text, "f");
  EXPECT_EQ(c->core_modules.size(), 1u);
  EXPECT_EQ(summarize(*c).describe(),
            "import instance wasi:test/things@0.2.3 (type 0)\n"
            "export func run (func 1)\n"
            "export instance inner (instance 1)\n"
            "export type my-rec (type 1)\n");
}

// tests/engine/component_wat/types.wat, encoded by wasm-tools.
TEST(ComponentParseWasmTools, ReadsComponentAndCoreModuleTypes) {
  auto c = parse(seed("wat_types"));
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_EQ(c->core_types.size(), 2u);
  EXPECT_EQ(std::get<CoreFuncType>(c->core_types[0].def), (CoreFuncType{{0x7f, 0x7e}, {0x7d}}));
  const auto& mt = std::get<CoreModuleType>(c->core_types[1].def);
  ASSERT_EQ(mt.decls.size(), 7u);
  EXPECT_EQ(mt.decls[2].kind, CoreModuleDeclKind::kAlias);
  EXPECT_EQ(mt.decls[4].type.kind, 2);  // memory
  EXPECT_EQ(mt.decls[6].type.mutable_global, true);
  const ComponentType* ct = nullptr;
  for (const TypeDef& t : c->types) {
    if (const auto* x = std::get_if<ComponentType>(&t.def)) ct = x;
  }
  ASSERT_NE(ct, nullptr);
  EXPECT_EQ(ct->decls.imports.size(), 3u);
  EXPECT_EQ(ct->decls.exports.size(), 1u);
  ASSERT_EQ(c->imports.size(), 4u);
  EXPECT_EQ(c->imports[1].type.kind, ExternKind::kCoreModule);
  EXPECT_TRUE(c->imports[2].type.sub_resource);
  const auto* tuple = std::get_if<TupleType>(&c->types.back().def);
  if (tuple == nullptr) {
    // wasm-tools may emit the tuple before the list that uses it.
    tuple = std::get_if<TupleType>(&c->types[c->types.size() - 2].def);
  }
  ASSERT_NE(tuple, nullptr);
  EXPECT_EQ(tuple->elements.size(), 12u);
}

// ---- hostile input ----------------------------------------------------------

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
