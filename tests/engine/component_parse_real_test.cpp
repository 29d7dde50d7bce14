// The component parser on components the real toolchains build from source
// (tests/components: componentize-js for the JS ones, wasm-tools for WAT).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "component_parse.hpp"

namespace hookd::engine::component {
namespace {

std::vector<uint8_t> built(const std::string& name) {
  std::ifstream in(std::string(HOOKD_COMPONENT_DIR) + "/" + name + ".wasm", std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

bool imports(const ComponentSummary& s, const std::string& name) {
  return std::any_of(s.imports.begin(), s.imports.end(), [&](const auto& e) { return e.name == name; });
}

class RealComponent : public ::testing::TestWithParam<std::string> {};

TEST_P(RealComponent, ParsesWithOnlySynchronousBuiltinsAndInterfaceImports) {
  const std::vector<uint8_t> bytes = built(GetParam());
  ASSERT_FALSE(bytes.empty()) << "build the component_" << GetParam() << " target";
  auto c = parse_component(bytes);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_FALSE(c->core_modules.empty());
  for (const Canon& k : c->canons) EXPECT_TRUE(canon_supported(k.op)) << canon_name(k.op);
  for (const CoreModule& m : c->core_modules) {
    ASSERT_LE(m.offset + m.size, bytes.size());
    EXPECT_EQ(bytes[m.offset + 4], 0x01);  // a core module's version
  }
  for (const Import& i : c->imports) {
    EXPECT_EQ(i.type.kind, ExternKind::kInstance) << i.name.text;
    EXPECT_EQ(i.name.form, NameForm::kInterface) << i.name.text;
    EXPECT_EQ(i.name.ns, "wasi") << i.name.text;
  }
}

INSTANTIATE_TEST_SUITE_P(Built, RealComponent,
                         ::testing::Values("hello", "webhook", "redirect", "fetcher", "kv", "config", "greet",
                                           "echo"));

TEST(RealComponent, AFetchEventComponentImportsWasiHttpAndExportsTheHandler) {
  auto c = parse_component(built("hello"));
  ASSERT_TRUE(c) << c.error().message;
  const ComponentSummary s = summarize(*c);
  EXPECT_TRUE(imports(s, "wasi:http/types@0.2.10")) << s.describe();
  EXPECT_TRUE(imports(s, "wasi:http/outgoing-handler@0.2.10")) << s.describe();
  ASSERT_EQ(s.exports.size(), 1u);
  EXPECT_EQ(s.exports[0].interface_id, "wasi:http/incoming-handler");
  EXPECT_EQ(s.exports[0].kind, ExternKind::kInstance);
  size_t lifts = 0;
  for (const Canon& k : c->canons) lifts += k.op == CanonOp::kLift ? 1 : 0;
  EXPECT_GE(lifts, 1u);
}

TEST(RealComponent, AKeyValueComponentImportsTheStore) {
  auto c = parse_component(built("kv"));
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_TRUE(imports(summarize(*c), "wasi:keyvalue/store@0.2.0-draft")) << summarize(*c).describe();
}

TEST(RealComponent, AHandWrittenComponentExportsItsFunction) {
  auto c = parse_component(built("greet"));
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_TRUE(c->imports.empty());
  ASSERT_EQ(c->exports.size(), 1u);
  EXPECT_EQ(c->exports[0].name.text, "greet");
  EXPECT_EQ(c->exports[0].sort, Sort::kFunc);
}

}  // namespace
}  // namespace hookd::engine::component
