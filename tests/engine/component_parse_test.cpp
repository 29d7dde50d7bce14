// The component binary parser (engine/src/component): the sections of an
// HTTP-shaped component and its index spaces, canon definitions with their
// options, names, the summary, custom and start sections. Types:
// component_parse_types_test.cpp; nesting and aliases:
// component_parse_nesting_test.cpp; components encoded by wasm-tools:
// component_parse_wasm_tools_test.cpp; hostile input:
// component_parse_hostile_test.cpp.
#include "component_parse.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "component_builder.hpp"
#include "component_test_shapes.hpp"

namespace hookd::engine::component {
namespace {

using ::testing::HasSubstr;
using namespace test;  // NOLINT(google-build-using-namespace): the shared test shapes

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

}  // namespace
}  // namespace hookd::engine::component
