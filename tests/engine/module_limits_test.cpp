// Everything a module declares is bounded at load: each count and size over
// its limit refuses the module with an error naming the limit and the
// value, and the same module within the limit loads. Table growth is capped
// like memory: table.grow past the cap fails inside the plugin.
#include <gtest/gtest.h>

#include <cstring>

#include "hookd/hookd.hpp"
#include "wasm_builder.hpp"

namespace hookd {
namespace {

using engine::ModuleLimits;
using test::MiniPlugin;

Result<Plugin> load_with(const test::Bytes& wasm, const ModuleLimits& limits) {
  PluginOptions options;
  options.name = "mini";
  options.limits.module = limits;
  return Plugin::load_bytes(wasm, std::move(options));
}

struct LimitCase {
  const char* name;  // the limit, as it appears in the error
  uint64_t ModuleLimits::*limit64;
  uint32_t ModuleLimits::*limit32;
  MiniPlugin plugin;
  uint64_t value;  // the module's value for that limit
};

MiniPlugin with(void (*set)(MiniPlugin&)) {
  MiniPlugin p;
  set(p);
  return p;
}

class ModuleLimit : public ::testing::TestWithParam<LimitCase> {};

TEST_P(ModuleLimit, OverTheLimitIsRefusedNamingItAndAtTheLimitLoads) {
  const LimitCase& c = GetParam();
  const test::Bytes wasm = c.plugin.build();
  const uint64_t value = c.value != 0 ? c.value : wasm.size();  // 0: the module's size
  auto set = [&](ModuleLimits& l, uint64_t v) {
    if (c.limit64 != nullptr) l.*c.limit64 = v;
    if (c.limit32 != nullptr) l.*c.limit32 = static_cast<uint32_t>(v);
  };
  ModuleLimits tight;
  set(tight, value - 1);
  auto refused = load_with(wasm, tight);
  ASSERT_FALSE(refused) << c.name;
  EXPECT_EQ(refused.error().kind, ErrorKind::kInvalidModule);
  const std::string expected = std::string(c.name) + ": " + std::to_string(value);
  EXPECT_NE(refused.error().message.find(expected), std::string::npos)
      << refused.error().message << " (expected \"" << expected << "\")";

  ModuleLimits exact;
  set(exact, value);
  auto loaded = load_with(wasm, exact);
  ASSERT_TRUE(loaded) << loaded.error().describe();
  auto ok = loaded->call_string("ok", "");
  EXPECT_TRUE(ok) << ok.error().describe();
}

INSTANTIATE_TEST_SUITE_P(
    EachLimit, ModuleLimit,
    ::testing::Values(
        LimitCase{"max_module_bytes", &ModuleLimits::max_module_bytes, nullptr, {}, 0},
        LimitCase{"max_types", nullptr, &ModuleLimits::max_types,
                  with([](MiniPlugin& p) { p.extra_types = 20; }), 25},
        LimitCase{"max_imports", nullptr, &ModuleLimits::max_imports,
                  with([](MiniPlugin& p) { p.extra_imports = 10; }), 11},
        LimitCase{"max_functions", nullptr, &ModuleLimits::max_functions,
                  with([](MiniPlugin& p) { p.extra_functions = 10; }), 17},
        LimitCase{"max_exports", nullptr, &ModuleLimits::max_exports,
                  with([](MiniPlugin& p) { p.extra_exports = 10; }), 16},
        LimitCase{"max_globals", nullptr, &ModuleLimits::max_globals,
                  with([](MiniPlugin& p) { p.globals = 10; }), 10},
        LimitCase{"max_tables", nullptr, &ModuleLimits::max_tables, with([](MiniPlugin& p) {
                    p.tables = {{}, {}, {}};
                  }),
                  3},
        LimitCase{"max_table_elements", nullptr, &ModuleLimits::max_table_elements, with([](MiniPlugin& p) {
                    p.tables = {{500, std::nullopt}};
                  }),
                  500},
        LimitCase{"max_data_segments", nullptr, &ModuleLimits::max_data_segments,
                  with([](MiniPlugin& p) { p.data_segments = 10; }), 11},
        LimitCase{"max_data_bytes", &ModuleLimits::max_data_bytes, nullptr, with([](MiniPlugin& p) {
                    p.data_segments = 2;
                    p.data_segment_bytes = 1000;
                  }),
                  2002},
        LimitCase{"max_element_segments", nullptr, &ModuleLimits::max_element_segments,
                  with([](MiniPlugin& p) { p.element_segments = 5; }), 5},
        LimitCase{"max_element_items", &ModuleLimits::max_element_items, nullptr, with([](MiniPlugin& p) {
                    p.element_segments = 2;
                    p.element_items = 50;
                  }),
                  100},
        LimitCase{"max_function_body_bytes", nullptr, &ModuleLimits::max_function_body_bytes,
                  with([](MiniPlugin& p) { p.padded_body_bytes = 5000; }), 5002},
        LimitCase{"max_function_locals", nullptr, &ModuleLimits::max_function_locals,
                  with([](MiniPlugin& p) { p.locals = 300; }), 300}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(ModuleLimits, TableGrowthPastTheCapFailsInsideThePlugin) {
  MiniPlugin p;
  p.tables = {{1, std::nullopt}};  // no declared maximum: the cap applies
  // Grow to the cap (99 more), then try one more element: table.grow answers -1.
  p.call_body = test::output_i32(test::cat({test::table_grow(0, 99), {0x1a}, test::table_grow(0, 1)}));
  ModuleLimits limits;
  limits.max_table_elements = 100;
  auto plugin = load_with(p.build(), limits);
  ASSERT_TRUE(plugin) << plugin.error().describe();
  auto out = plugin->call("ok", {});
  ASSERT_TRUE(out) << out.error().describe();
  ASSERT_EQ(out->size(), 4u);
  int32_t grown = 0;
  std::memcpy(&grown, out->data(), 4);
  EXPECT_EQ(grown, -1);
}

TEST(ModuleLimits, DeclaredTableMaximumBelowTheCapIsKept) {
  MiniPlugin p;
  p.tables = {{1, 10}};
  p.call_body = test::output_i32(test::table_grow(0, 10));  // 11 > 10
  auto plugin = load_with(p.build(), ModuleLimits{});
  ASSERT_TRUE(plugin) << plugin.error().describe();
  auto out = plugin->call("ok", {});
  ASSERT_TRUE(out) << out.error().describe();
  int32_t grown = 0;
  std::memcpy(&grown, out->data(), 4);
  EXPECT_EQ(grown, -1);
}

TEST(ModuleLimits, DefaultsAreFarAboveWhatTheTestPluginsDeclare) {
  // Every plugin the build makes (C, C++ with libc++) loads under the
  // defaults; the module parser sees their real sections.
  for (const char* name : {"kvcpp", "hog", "trap", "stack", "badptr"}) {
    auto plugin = Plugin::load_file(std::string(HOOKD_PLUGIN_DIR) + "/" + name + ".wasm");
    EXPECT_TRUE(plugin) << name << ": " << plugin.error().describe();
  }
}

}  // namespace
}  // namespace hookd
