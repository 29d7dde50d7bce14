#include "hookd/engine/wasm_binary.hpp"

#include <gtest/gtest.h>

#include "hookd/hookd.hpp"
#include "test_plugins.hpp"

namespace hookd::engine {
namespace {

std::vector<uint8_t> load(std::string_view name) {
  auto bytes = read_file(test::plugin_path(name));
  EXPECT_TRUE(bytes.has_value());
  return bytes.value_or(std::vector<uint8_t>{});
}

TEST(WasmBinary, ReadsImportsExportsAndMemoryOfARealPlugin) {
  auto info = parse_module(load("echo"));
  ASSERT_TRUE(info) << info.error().message;
  const ExportInfo* call = info->find_export("hookd_call");
  ASSERT_NE(call, nullptr);
  EXPECT_EQ(call->type.params.size(), 3u);
  EXPECT_EQ(call->type.results.size(), 1u);
  EXPECT_TRUE(info->memory.defined);
  bool imports_register = false;
  for (const auto& imp : info->imports)
    imports_register |= imp.module == "hookd" && imp.name == "register_function";
  EXPECT_TRUE(imports_register);
}

TEST(WasmBinary, CapsMemoryMaximumWithoutChangingAnythingElse) {
  auto wasm = load("echo");
  auto capped = cap_memory_pages(wasm, 40);
  ASSERT_TRUE(capped) << capped.error().message;
  auto info = parse_module(*capped);
  ASSERT_TRUE(info);
  ASSERT_TRUE(info->memory.max_pages.has_value());
  EXPECT_EQ(*info->memory.max_pages, 40u);
  EXPECT_EQ(info->exports.size(), parse_module(wasm)->exports.size());
}

TEST(WasmBinary, RefusesACapBelowTheInitialMemory) {
  auto capped = cap_memory_pages(load("echo"), 1);
  ASSERT_FALSE(capped);
  EXPECT_NE(capped.error().message.find("pages at start"), std::string::npos);
}

TEST(WasmBinary, RejectsNonWasmAndTruncatedInput) {
  std::vector<uint8_t> junk = {'h', 'e', 'l', 'l', 'o', 0, 0, 0, 0};
  auto r = parse_module(junk);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("not a WebAssembly module"), std::string::npos);

  auto wasm = load("echo");
  for (size_t cut : {9ul, 20ul, wasm.size() / 2, wasm.size() - 1}) {
    std::vector<uint8_t> truncated(wasm.begin(), wasm.begin() + static_cast<long>(cut));
    EXPECT_FALSE(parse_module(truncated)) << "cut at " << cut;
  }
}

TEST(WasmBinary, TellsAComponentFromACoreModule) {
  const std::vector<uint8_t> component = {0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00};
  const std::vector<uint8_t> module = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  EXPECT_TRUE(is_component(component));
  EXPECT_FALSE(is_component(module));
  EXPECT_FALSE(is_component(load("echo")));
  EXPECT_FALSE(is_component(std::span(component).first(7)));
  EXPECT_FALSE(is_component({}));
  auto parsed = parse_module(component);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().kind, ErrorKind::kInvalidModule);
  EXPECT_NE(parsed.error().message.find("this is a WebAssembly component, not a core module"),
            std::string::npos)
      << parsed.error().message;
}

}  // namespace
}  // namespace hookd::engine
