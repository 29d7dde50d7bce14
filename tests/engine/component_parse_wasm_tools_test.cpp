// The component binary parser on components another encoder wrote:
// tests/engine/component_wat/*.wat encoded by wasm-tools, kept as fuzz seeds.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

#include "component_builder.hpp"
#include "component_parse.hpp"
#include "component_test_shapes.hpp"

namespace hookd::engine::component {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace): the shared test shapes

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

}  // namespace
}  // namespace hookd::engine::component
