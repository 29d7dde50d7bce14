// Extism plugins through the embedder API: the kernel (extism:host/env) as a
// real plugin written against the raw imports (tests/plugins/extism_raw.c)
// sees it, its hostile corners, and the engine's limits on an Extism
// plugin. Host services here are hand-written host functions speaking the
// built-ins' payloads; the real built-ins and their grants are in
// tests/grants/extism_grants_test.cpp.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <mutex>

#include "engine_internals.hpp"
#include "hookd/hookd.hpp"
#include "test_plugins.hpp"
#include "wasm_builder.hpp"

namespace hookd {
namespace {

using namespace std::chrono_literals;
using test::plugin_path;

// The output, or the error described: a failed call shows in the
// expectation's message instead of dereferencing an error.
std::string str(const Result<std::string>& r) { return r ? *r : "<error: " + r.error().describe() + ">"; }

Result<Plugin> extism(PluginOptions options = {}) {
  if (options.name == "plugin") options.name = "extism_raw";
  auto plugin = Plugin::load_file(plugin_path("extism_raw"), std::move(options));
  EXPECT_TRUE(plugin) << (plugin ? "" : plugin.error().describe());
  return plugin;
}

void expect_serves(Plugin& p) {
  auto out = p.call_string("echo", "still here");
  ASSERT_TRUE(out) << out.error().describe();
  EXPECT_EQ(*out, "still here");
}

// A host function answering like hookd.config.get: u8 found, then the value.
HostFunction config_function(std::map<std::string, std::string> values) {
  return HostFunction{
      "hookd.config.get",
      [values](const CallContext&, std::span<const uint8_t> in, std::vector<uint8_t>& out) -> Result<void> {
        auto it = values.find(test::text(in));
        out.assign(1, it == values.end() ? 0 : 1);
        if (it != values.end()) out.insert(out.end(), it->second.begin(), it->second.end());
        return {};
      }};
}

void put_u32(std::vector<uint8_t>& out, uint32_t v) {
  const size_t at = out.size();
  out.resize(at + 4);
  std::memcpy(out.data() + at, &v, 4);
}

void put_str(std::vector<uint8_t>& out, std::string_view s) {
  put_u32(out, static_cast<uint32_t>(s.size()));
  out.insert(out.end(), s.begin(), s.end());
}

TEST(ExtismLoad, RawKernelPluginIsDetectedAndEveryNullaryI32ExportIsAFunction) {
  auto p = extism();
  ASSERT_TRUE(p);
  EXPECT_EQ(p->module().abi(), engine::Abi::kExtism);
  EXPECT_EQ(engine::abi_name(p->module().abi()), "extism");
  const FunctionInfo* echo = p->module().find_function("echo");
  ASSERT_NE(echo, nullptr);
  EXPECT_EQ(echo->input, Format::kBytes);
  EXPECT_EQ(echo->output, Format::kBytes);
  EXPECT_NE(p->module().find_function("count_vowels"), nullptr);
  EXPECT_NE(p->module().find_function("kv_put_get"), nullptr);
  // _initialize (a WASI reactor's constructor, () -> ()) is run, not routed.
  EXPECT_EQ(p->module().find_function("_initialize"), nullptr);
}

// A module whose only content is one import of `() -> i64` from `module`
// and a one-page memory.
test::Bytes module_importing(const std::string& module, const std::string& name) {
  test::Bytes m = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  test::put_section(m, 1, {0x01, 0x60, 0x00, 0x01, 0x7e});
  test::Bytes imports = {0x01};
  test::put_name(imports, module);
  test::put_name(imports, name);
  imports.push_back(0x00);  // a function
  imports.push_back(0x00);  // of type 0
  test::put_section(m, 2, imports);
  test::put_section(m, 5, {0x01, 0x00, 0x01});  // one memory, min 1 page
  return m;
}

TEST(ExtismLoad, AnImportTheKernelDoesNotHaveIsALinkErrorNamingIt) {
  auto p = Plugin::load_bytes(module_importing("extism:host/env", "no_such_thing"));
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().kind, ErrorKind::kLink);
  EXPECT_NE(p.error().message.find(
                "Extism plugin imports extism:host/env.no_such_thing, which hookd does not provide"),
            std::string::npos)
      << p.error().message;
}

TEST(ExtismLoad, AnExtismModuleWithNoCallableExportIsRefused) {
  auto p = Plugin::load_bytes(module_importing("extism:host/env", "input_length"));
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message.find("plugin exports no functions hookd can call"), std::string::npos)
      << p.error().message;
}

TEST(ExtismCall, EchoReturnsTheInputBlockItself) {
  auto p = extism();
  ASSERT_TRUE(p);
  EXPECT_EQ(str(p->call_string("echo", "hello")), "hello");
  EXPECT_EQ(str(p->call_string("echo", "")), "");
  const std::string big(100000, 'x');
  EXPECT_EQ(str(p->call_string("echo", big)), big);
  EXPECT_EQ(str(p->call_string("echo", "short again")), "short again");
}

TEST(ExtismCall, CountVowelsReadsTheInputThroughInputLoad) {
  auto p = extism();
  ASSERT_TRUE(p);
  EXPECT_EQ(str(p->call_string("count_vowels", "Hello, World!")), "{\"count\":3}");
  EXPECT_EQ(str(p->call_string("count_vowels", std::string(64, 'a'))), "{\"count\":64}");
  EXPECT_EQ(str(p->call_string("count_vowels", "")), "{\"count\":0}");
}

TEST(ExtismKernel, EveryMemoryInputLogAndResetFunctionBehavesAsExtismsKernel) {
  std::mutex mu;
  std::vector<std::pair<LogLevel, std::string>> lines;
  PluginOptions o;
  o.logger = [&](LogLevel level, std::string_view, const CallContext&, std::string_view msg) {
    std::lock_guard lock(mu);
    lines.emplace_back(level, std::string(msg));
  };
  auto p = extism(std::move(o));
  ASSERT_TRUE(p);
  auto out = p->call_string("kernel", "abcde");
  ASSERT_TRUE(out) << out.error().describe();
  EXPECT_EQ(*out, "ok");
  const std::vector<std::pair<LogLevel, std::string>> expected = {{LogLevel::kTrace, "trace line"},
                                                                  {LogLevel::kDebug, "debug line"},
                                                                  {LogLevel::kInfo, "info line"},
                                                                  {LogLevel::kWarn, "warn line"},
                                                                  {LogLevel::kError, "error line"}};
  EXPECT_EQ(lines, expected);
}

TEST(ExtismConfig, ConfigGetReadsThePluginsConfigThroughHookdConfigGet) {
  PluginOptions o;
  o.host_functions.push_back(config_function({{"greeting", "hi there"}}));
  auto p = extism(std::move(o));
  ASSERT_TRUE(p);
  EXPECT_EQ(str(p->call_string("config", "greeting")), "hi there");
  EXPECT_EQ(str(p->call_string("config", "other")), "unset");
}

TEST(ExtismConfig, AnEmbedderWithoutConfigGivesNone) {
  auto p = extism();
  ASSERT_TRUE(p);
  EXPECT_EQ(str(p->call_string("config", "greeting")), "unset");
}

TEST(ExtismConfig, ARefusedConfigReadIsUnsetNotATrap) {
  PluginOptions o;
  o.host_functions.push_back(
      HostFunction{"hookd.config.get",
                   [](const CallContext&, std::span<const uint8_t>, std::vector<uint8_t>&) -> Result<void> {
                     return engine::fail(ErrorKind::kHostError, "config is not granted to plugin extism_raw");
                   }});
  auto p = extism(std::move(o));
  ASSERT_TRUE(p);
  EXPECT_EQ(str(p->call_string("config", "greeting")), "unset");
  EXPECT_EQ(p->replacements(), 0u);
}

TEST(ExtismVars, VarsPersistAcrossCallsPerInstanceAndCanBeDeleted) {
  auto p = extism();
  auto q = extism();
  ASSERT_TRUE(p && q);
  EXPECT_EQ(str(p->call_string("count", "")), "1");
  EXPECT_EQ(str(p->call_string("count", "")), "2");
  EXPECT_EQ(str(q->call_string("count", "")), "1");  // another instance, its own vars
  EXPECT_EQ(str(p->call_string("var_clear", "")), "cleared");
  EXPECT_EQ(str(p->call_string("count", "")), "1");
}

TEST(ExtismVars, AVarSetPastMaxVarBytesFailsTheCallAndTheInstanceKeepsServing) {
  PluginOptions o;
  o.limits.max_var_bytes = 100;
  auto p = extism(std::move(o));
  ASSERT_TRUE(p);
  EXPECT_EQ(str(p->call_string("var_big", std::string(90, 'v'))), "stored");  // "big" + 90 bytes
  auto r = p->call_string("var_big", std::string(200, 'v'));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kTrap);
  EXPECT_NE(r.error().message.find("extism:host/env.var_set: the plugin's vars would take 203 bytes, more "
                                   "than its max_var_bytes of 100"),
            std::string::npos)
      << r.error().message;
  expect_serves(*p);
}

TEST(ExtismErrors, ANonZeroResultIsAPluginErrorWithTheErrorSetMessage) {
  auto p = extism();
  ASSERT_TRUE(p);
  auto r = p->call_string("fail", "");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kPluginError);
  EXPECT_EQ(r.error().message, "something went wrong");
  EXPECT_EQ(p->replacements(), 0u);  // a plugin error keeps the instance

  r = p->call_string("fail_rc", "");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kPluginError);
  EXPECT_EQ(r.error().message, "function fail_rc returned 7");

  EXPECT_EQ(str(p->call_string("error_cleared", "")), "ok");
  expect_serves(*p);
}

TEST(ExtismErrors, AFailedAllocSaysWhyWhenThePluginThenFails) {
  auto p = extism();
  ASSERT_TRUE(p);
  EXPECT_EQ(str(p->call_string("huge_alloc", "")), "0");  // alloc answers 0, as Extism's kernel does
  auto r = p->call_string("huge_alloc_fail", "");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kPluginError);
  EXPECT_NE(
      r.error().message.find("alloc of 1099511627776 bytes exceeds the plugin's memory of 16777216 bytes"),
      std::string::npos)
      << r.error().message;
}

struct HostileCase {
  const char* fn;
  const char* message;
};

class ExtismHostile : public ::testing::TestWithParam<HostileCase> {};

TEST_P(ExtismHostile, ABadOffsetOrLengthTrapsTheCallNamingTheKernelFunction) {
  auto p = extism();
  ASSERT_TRUE(p);
  auto r = p->call_string(GetParam().fn, "12345");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kTrap);
  EXPECT_NE(r.error().message.find(GetParam().message), std::string::npos) << r.error().message;
  expect_serves(*p);
  EXPECT_EQ(p->replacements(), 1u);
}

INSTANTIATE_TEST_SUITE_P(
    Corners, ExtismHostile,
    ::testing::Values(
        HostileCase{"load_out_of_range",
                    "extism:host/env.load_u64: 8 bytes at offset 281474976645120 are outside the plugin's "
                    "memory blocks"},
        HostileCase{"store_out_of_range", "extism:host/env.store_u64: 8 bytes at offset"},
        HostileCase{"input_past_end",
                    "extism:host/env.input_load_u64: 8 bytes at offset 5 are past the input"},
        HostileCase{"output_out_of_range",
                    "extism:host/env.output_set: 100 bytes at offset 12345678 are outside"},
        HostileCase{"output_wraps", "extism:host/env.output_set: 18446744073709551615 bytes at offset"},
        HostileCase{"error_set_bad", "extism:host/env.error_set: offset 999999 is not an allocated block"},
        HostileCase{"log_bad", "extism:host/env.log_info: offset 424242 is not an allocated block"},
        HostileCase{"trap", "unreachable"}),
    [](const auto& info) { return std::string(info.param.fn); });

TEST(ExtismLimits, BlockMemoryIsBoundedByThePluginsMemoryCap) {
  PluginOptions o;
  o.limits.max_memory_pages = 48;  // 3 MiB of linear memory, and 3 MiB of blocks
  auto p = extism(std::move(o));
  ASSERT_TRUE(p);
  EXPECT_EQ(str(p->call_string("hog_blocks", "")), "3");
  EXPECT_EQ(str(p->call_string("grow", "")), "-1");  // memory.grow past the cap fails inside the plugin
  auto r = p->call_string("echo", std::string(4u << 20, 'x'));  // an input that cannot fit in a block
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("exceeds the plugin's memory"), std::string::npos) << r.error().message;
  expect_serves(*p);
}

TEST(ExtismLimits, AnEndlessLoopEndsAtTheDeadlineAndTheWorkerKeepsServing) {
  PluginOptions o;
  o.limits.deadline = 100ms;
  auto p = extism(std::move(o));
  ASSERT_TRUE(p);
  auto r = p->call_string("spin", "");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kTimeout);
  expect_serves(*p);
  EXPECT_EQ(str(p->call_string("count_vowels", "aei")), "{\"count\":3}");
}

TEST(ExtismLimits, VarsSurviveTheReplacementOfAFaultyInstance) {
  auto p = extism();
  ASSERT_TRUE(p);
  EXPECT_EQ(str(p->call_string("count", "")), "1");
  ASSERT_FALSE(p->call_string("trap", ""));
  EXPECT_EQ(str(p->call_string("count", "")), "2");
}

// hookd.fetch as the built-in answers: u32 status, u32 n, headers, body.
HostFunction fake_fetch(std::vector<std::string>* seen) {
  return HostFunction{
      "hookd.fetch",
      [seen](const CallContext&, std::span<const uint8_t> in, std::vector<uint8_t>& out) -> Result<void> {
        seen->push_back(test::text(in));
        out.clear();
        put_u32(out, 201);
        put_u32(out, 1);
        put_str(out, "x-answer");
        put_str(out, "42");
        const std::string body = "pong";
        out.insert(out.end(), body.begin(), body.end());
        return {};
      }};
}

TEST(ExtismHttp, HttpRequestGoesThroughHookdFetchAndReportsStatusHeadersAndBody) {
  std::vector<std::string> seen;
  PluginOptions o;
  o.host_functions.push_back(fake_fetch(&seen));
  auto p = extism(std::move(o));
  ASSERT_TRUE(p);
  auto out = p->call_string(
      "http", R"({"url":"https://api.example.com/ping","method":"POST","headers":{"accept":"text/plain"}})");
  ASSERT_TRUE(out) << out.error().describe();
  EXPECT_EQ(*out, "201\n{\"x-answer\":\"42\"}\npong");
  ASSERT_EQ(seen.size(), 1u);
  std::vector<uint8_t> expected;
  put_str(expected, "POST");
  put_str(expected, "https://api.example.com/ping");
  put_u32(expected, 1);
  put_str(expected, "accept");
  put_str(expected, "text/plain");
  EXPECT_EQ(seen[0], test::text(expected));
}

TEST(ExtismHttp, ARefusedOrMalformedRequestIsStatusZeroWithTheReasonAsBodyNotATrap) {
  auto p = extism();  // no hookd.fetch at all
  ASSERT_TRUE(p);
  auto out = p->call_string("http", R"({"url":"https://api.example.com/"})");
  ASSERT_TRUE(out) << out.error().describe();
  EXPECT_EQ(*out, "0\n\nhttp_request: outbound HTTP is not available to this plugin");
  EXPECT_EQ(str(p->call_string("http", "not json")), "0\n\nhttp_request: the request is not a JSON object");
  EXPECT_EQ(str(p->call_string("http", R"({"method":"GET"})")),
            "0\n\nhttp_request: the request has no \"url\" string");
  EXPECT_EQ(p->replacements(), 0u);
}

TEST(ExtismUser, AUserHostFunctionTheEmbedderLacksFailsTheCallNamingIt) {
  auto p = extism();
  ASSERT_TRUE(p);
  auto r = p->call_string("kv_put_get", "v");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kTrap);
  EXPECT_NE(r.error().message.find("extism:host/user.kv_set: hookd.kv.set is not available to this plugin"),
            std::string::npos)
      << r.error().message;
  expect_serves(*p);
}

// The kernel's per-byte functions (i64 signatures) are hot: guest code calls
// them directly, and both paths answer alike, faults included.
TEST(ExtismFast, KernelCallsTakeTheDirectPathAndAnswerAsTheCallbackPathDoes) {
  auto bytes = read_file(plugin_path("extism_raw"));
  ASSERT_TRUE(bytes);
  std::vector<std::string> answers[2];
  for (int fast = 0; fast < 2; ++fast) {
    engine::VmOptions vo;
    vo.fast_host_calls = fast == 1;
    auto vm = engine::create_v8_vm(vo);
    auto worker = vm->create_worker();
    auto module = engine::PluginModule::load(*vm, *worker, *bytes, {});
    ASSERT_TRUE(module) << module.error().describe();
    auto instance = engine::PluginInstance::create(*worker, *module);
    ASSERT_TRUE(instance);
    const auto before = hookd::engine::PluginInstanceInternals::import_calls(**instance);
    for (const auto& [fn, in] :
         std::vector<std::pair<std::string, std::string>>{{"echo", "abc"},
                                                          {"count_vowels", std::string(70, 'e')},
                                                          {"kernel", "abcde"},
                                                          {"load_out_of_range", ""},
                                                          {"echo", "after"}}) {
      auto r = (*instance)->call(fn, test::bytes(in));
      answers[fast].push_back(r ? test::text(*r) : r.error().describe());
    }
    const auto after = hookd::engine::PluginInstanceInternals::import_calls(**instance);
    if (fast == 1) {
      EXPECT_GT(after.direct, before.direct);
    } else {
      EXPECT_EQ(after.direct, before.direct);
    }
    instance->reset();
  }
  EXPECT_EQ(answers[0], answers[1]);
  EXPECT_EQ(answers[1][0], "abc");
  EXPECT_EQ(answers[1][2], "ok");
  EXPECT_NE(answers[1][3].find("extism:host/env.load_u64"), std::string::npos) << answers[1][3];
  EXPECT_EQ(answers[1][4], "after");
}

}  // namespace
}  // namespace hookd
