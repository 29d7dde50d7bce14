// Loading components: the errors a component gets for what hookd does not
// provide (imports, types, string encodings, shapes), corrupt components,
// and recognising a wasi:http proxy component among the plugin ABIs.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "abi/wasi_http.hpp"
#include "component/component_parse.hpp"
#include "component_run_fixture.hpp"
#include "hookd/engine/plugin.hpp"

namespace hookd::engine::component::run_test {
namespace {

using namespace std::chrono_literals;

// ---- load errors ----------------------------------------------------------------------

TEST_F(ComponentRun, LoadListsEveryImportTheHostLacks) {
  FakeHost host(FakeOptions{.without_streams = true, .without_fields_append = true});
  auto plan = load_component(*vm, component_bytes("echo"), host);
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().kind, ErrorKind::kLink);
  const std::string& m = plan.error().message;
  EXPECT_NE(m.find("import interface wasi:io/streams@0.2.10"), std::string::npos) << m;
  EXPECT_NE(m.find("import function wasi:http/types@0.2.10#[method]fields.append"), std::string::npos) << m;
  // One line each, and nothing said twice: functions using the missing
  // interface's resources are not reported as mismatches on top.
  EXPECT_EQ(std::count(m.begin(), m.end(), '\n'), 2) << m;

  NoHost none;
  auto bare = load_component(*vm, component_bytes("echo"), none);
  ASSERT_FALSE(bare);
  for (const char* iface : {"wasi:io/error@0.2.10", "wasi:io/streams@0.2.10", "wasi:http/types@0.2.10"}) {
    EXPECT_NE(bare.error().message.find(std::string("import interface ") + iface), std::string::npos)
        << bare.error().message;
  }
}

TEST_F(ComponentRun, LoadWalksAComponentizeJsComponentAndListsWhatItImports) {
  // hello.wasm (13 MB, StarlingMonkey) is built with the rest of `all`, not
  // for this test alone: its build takes half a minute and 800 MB.
  const std::string path = std::string(HOOKD_COMPONENT_DIR) + "/hello.wasm";
  auto bytes = read_file(path);
  if (!bytes) GTEST_SKIP() << path << " is not built";
  NoHost none;
  auto plan = load_component(*vm, *bytes, none);
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().kind, ErrorKind::kLink) << plan.error().describe();
  const std::string& m = plan.error().message;
  for (const char* iface :
       {"wasi:http/types@0.2", "wasi:io/streams@0.2", "wasi:io/poll@0.2", "wasi:clocks/monotonic-clock@0.2",
        "wasi:random/random@0.2", "wasi:cli/stdout@0.2", "wasi:http/outgoing-handler@0.2",
        "wasi:filesystem/preopens@0.2"}) {
    EXPECT_NE(m.find(std::string("import interface ") + iface), std::string::npos) << iface << "\n" << m;
  }
}

TEST_F(ComponentRun, LoadRefusesAnImportOfAnotherType) {
  FakeHost host(FakeOptions{.append_returns_unit = true});
  auto plan = load_component(*vm, component_bytes("echo"), host);
  ASSERT_FALSE(plan);
  const std::string& m = plan.error().message;
  EXPECT_NE(m.find("[method]fields.append has type"), std::string::npos) << m;
  // Both sides described, resources by name.
  EXPECT_NE(m.find("func(borrow<fields>, string, list<u8>) -> result<_, variant { invalid-syntax, forbidden, "
                   "immutable }>, hookd's is func(borrow<fields>, string, list<u8>) -> result"),
            std::string::npos)
      << m;
}

// greet with its lift's string-encoding option rewritten from utf8 to `to`.
std::vector<uint8_t> greet_with_encoding(std::vector<uint8_t> bytes, uint8_t to) {
  auto comp = parse_component(bytes);
  EXPECT_TRUE(comp);
  if (!comp || comp->canons.empty()) return {};
  // lift: 0x00 0x00, the core func index, then the options vec.
  size_t at = comp->canons[0].offset + 2;
  while (bytes[at] & 0x80) ++at;
  ++at;
  const uint8_t count = bytes[at++];
  for (uint8_t i = 0; i < count; ++i) {
    const uint8_t opt = bytes[at];
    if (opt == 0x00) {
      bytes[at] = to;
      return bytes;
    }
    at += 2;  // memory, realloc, post-return: one small index each
  }
  ADD_FAILURE() << "greet's lift has no string-encoding option";
  return {};
}

TEST_F(ComponentRun, LoadRefusesOtherStringEncodings) {
  NoHost host;
  for (uint8_t encoding : {uint8_t{0x01}, uint8_t{0x02}}) {
    auto plan = load_component(*vm, greet_with_encoding(component_bytes("greet"), encoding), host);
    ASSERT_FALSE(plan);
    EXPECT_EQ(plan.error().kind, ErrorKind::kInvalidModule);
    EXPECT_NE(plan.error().message.find(encoding == 1 ? "utf16" : "latin1+utf16"), std::string::npos)
        << plan.error().message;
  }
}

TEST_F(ComponentRun, LoadRefusesACanonOptionNamingAMissingCoreExport) {
  // Rename the core module's post-return export: the component still names
  // it in its lift.
  NoHost host;
  auto bytes = component_bytes("greet");
  auto comp = parse_component(bytes);
  ASSERT_TRUE(comp);
  const CoreModule& m = comp->core_modules.at(0);
  const std::string needle = "cabi_post_greet";
  auto begin = bytes.begin() + static_cast<ptrdiff_t>(m.offset);
  auto at = std::search(begin, begin + static_cast<ptrdiff_t>(m.size), needle.begin(), needle.end());
  ASSERT_NE(at, begin + static_cast<ptrdiff_t>(m.size));
  at[needle.size() - 1] = 'X';
  auto plan = load_component(*vm, bytes, host);
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().kind, ErrorKind::kInvalidModule);
  EXPECT_NE(plan.error().message.find("post-return: the core instance has no such export cabi_post_greet"),
            std::string::npos)
      << plan.error().describe();
}

TEST_F(ComponentRun, LoadRefusesNestedComponentsWithCoreCode) {
  NoHost host;
  auto plan = load_component(*vm, component_bytes("nested_core"), host);
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().kind, ErrorKind::kInvalidModule);
  EXPECT_NE(plan.error().message.find("core definitions inside a nested component are not supported"),
            std::string::npos)
      << plan.error().describe();
}

TEST_F(ComponentRun, LoadRefusesCorruptComponents) {
  NoHost host;
  auto bytes = component_bytes("echo");
  auto truncated =
      std::vector<uint8_t>(bytes.begin(), bytes.begin() + static_cast<ptrdiff_t>(bytes.size() / 2));
  auto plan = load_component(*vm, truncated, host);
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().kind, ErrorKind::kInvalidModule);

  // A core module whose code is garbage: the engine refuses it at load.
  auto greet = component_bytes("greet");
  auto comp = parse_component(greet);
  ASSERT_TRUE(comp);
  const CoreModule& m = comp->core_modules.at(0);
  for (size_t i = m.offset + 8; i < m.offset + m.size; ++i) greet[i] = 0xff;
  auto broken = load_component(*vm, greet, host);
  ASSERT_FALSE(broken);
  EXPECT_TRUE(broken.error().kind == ErrorKind::kInvalidModule || broken.error().kind == ErrorKind::kCompile)
      << broken.error().describe();
}

// ---- ABI detection -----------------------------------------------------------------------

TEST(WasiHttpAbi, RecognisesAProxyComponentAndNamesItsHandler) {
  EXPECT_EQ(abi_name(Abi::kWasiHttp), "wasi-http");
  auto echo = abi::recognise_wasi_http(component_bytes("echo"));
  ASSERT_TRUE(echo) << echo.error().describe();
  EXPECT_EQ(echo->handler, "wasi:http/incoming-handler@0.2.10#handle");
  EXPECT_FALSE(echo->one_request_per_instance);  // wasm-tools made it, not componentize-js
}

TEST(WasiHttpAbi, RefusesOtherComponentsAndCoreModules) {
  auto greet = abi::recognise_wasi_http(component_bytes("greet"));
  ASSERT_FALSE(greet);
  EXPECT_NE(greet.error().message.find("does not export wasi:http/incoming-handler"), std::string::npos)
      << greet.error().describe();
  const std::vector<uint8_t> core_module = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  auto core = abi::recognise_wasi_http(core_module);
  ASSERT_FALSE(core);
  EXPECT_EQ(core.error().message, "not a WebAssembly component");
}

}  // namespace
}  // namespace hookd::engine::component::run_test
