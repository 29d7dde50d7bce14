// Host functions: plugins reach what the embedder lends them through
// hookd.host_call, raw or typed.
#include <gtest/gtest.h>

#include <cctype>
#include <cstring>

#include "hookd/engine/guest_memory.hpp"
#include "hookd/hookd.hpp"
#include "test_plugins.hpp"

namespace hookd {
namespace {

using test::plugin_path;

TEST(HostFunctions, PluginCallsARawHostFunctionAndGetsItsResult) {
  PluginOptions options;
  std::string seen_request;
  options.host_functions.push_back(HostFnBytes(
      "relay",
      [&](const CallContext& ctx, std::span<const uint8_t> in, std::vector<uint8_t>& out) -> Result<void> {
        seen_request = std::string(ctx.request_id);
        out.assign(in.rbegin(), in.rend());
        return {};
      }));
  auto plugin = Plugin::load_file(plugin_path("hostcall"), options);
  ASSERT_TRUE(plugin);
  auto out = plugin->call("relay", test::bytes("abc"), CallContext{"r1"});
  ASSERT_TRUE(out) << out.error().describe();
  EXPECT_EQ(test::text(*out), "cba");
  EXPECT_EQ(seen_request, "r1");
}

TEST(HostFunctions, HostErrorReachesThePluginAsAnError) {
  PluginOptions options;
  options.host_functions.push_back(HostFnBytes(
      "relay", [](const CallContext&, std::span<const uint8_t>, std::vector<uint8_t>&) -> Result<void> {
        return engine::fail(ErrorKind::kHostError, "backend unavailable");
      }));
  auto plugin = Plugin::load_file(plugin_path("hostcall"), options);
  ASSERT_TRUE(plugin);
  auto out = plugin->call_string("relay", "x");
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().kind, ErrorKind::kPluginError);
  EXPECT_NE(out.error().message.find("backend unavailable"), std::string::npos);
}

TEST(HostFunctions, UngrantedHostFunctionIsNotFoundNotATrap) {
  auto plugin = Plugin::load_file(plugin_path("hostcall_faults"));
  ASSERT_TRUE(plugin);
  auto out = plugin->call_string("missing", "x");
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().kind, ErrorKind::kPluginError);
  EXPECT_NE(out.error().message.find("not found"), std::string::npos);
  EXPECT_EQ(plugin->replacements(), 0u);
}

// The host remembers which function a name resolved to by the name's guest
// address; a guest that reuses one buffer for different names must still
// reach the function each name says.
TEST(HostFunctions, NamesAtTheSameAddressResolveByTheirBytes) {
  PluginOptions options;
  for (const char* name : {"alpha", "bravo", "alphabet"}) {
    options.host_functions.push_back(HostFnBytes(
        name,
        [name](const CallContext&, std::span<const uint8_t>, std::vector<uint8_t>& out) -> Result<void> {
          out.assign(name, name + std::strlen(name));
          return {};
        }));
  }
  auto plugin = Plugin::load_file(plugin_path("hostcall"), options);
  ASSERT_TRUE(plugin);
  for (int round = 0; round < 3; ++round) {
    for (std::string name : {"alpha", "bravo", "alphabet", "alpha"}) {
      auto out = plugin->call_string("named", name);
      ASSERT_TRUE(out) << name << ": " << out.error().describe();
      EXPECT_EQ(*out, name);
    }
    for (std::string name : {"alphx", "alph", "charlie"}) {
      auto out = plugin->call_string("named", name);
      ASSERT_FALSE(out) << name;
      EXPECT_NE(out.error().message.find("not found"), std::string::npos) << name;
    }
  }
}

// The direct form: "upper" uppercases the guest's bytes in place. A bad
// address traps the guest (the worker keeps serving); a function without the
// form the guest asked for is "not found" either way round.
engine::HostFunction upper_direct(int* calls) {
  engine::HostFunction f;
  f.name = "upper";
  f.direct = [calls](const CallContext&, std::span<uint8_t> memory, uint32_t ptr,
                     uint32_t len) -> Result<void> {
    ++*calls;
    auto bytes = engine::guest_span(memory, static_cast<int32_t>(ptr), static_cast<int32_t>(len));
    if (!bytes) return engine::fail(ErrorKind::kTrap, "upper: out of bounds");
    if (len == 0) return engine::fail(ErrorKind::kHostError, "upper: nothing to do");
    for (uint8_t& c : *bytes) c = static_cast<uint8_t>(std::toupper(c));
    return {};
  };
  return f;
}

TEST(HostFunctions, DirectFormWorksOnGuestMemory) {
  int calls = 0;
  PluginOptions options;
  options.host_functions.push_back(upper_direct(&calls));
  auto plugin = Plugin::load_file(plugin_path("hostcall"), options);
  ASSERT_TRUE(plugin);
  auto out = plugin->call_string("direct", "hello, Wasm");
  ASSERT_TRUE(out) << out.error().describe();
  EXPECT_EQ(*out, "HELLO, WASM");

  auto empty = plugin->call_string("direct", "");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().kind, ErrorKind::kPluginError);
  EXPECT_NE(empty.error().message.find("upper: nothing to do"), std::string::npos) << empty.error().message;

  auto again = plugin->call_string("direct", "ok");
  ASSERT_TRUE(again) << again.error().describe();
  EXPECT_EQ(*again, "OK");
  EXPECT_EQ(plugin->replacements(), 0u);
  EXPECT_EQ(calls, 3);

  // "upper" has no host_call form.
  auto bytes_form = plugin->call_string("named", "upper");
  ASSERT_FALSE(bytes_form);
  EXPECT_NE(bytes_form.error().message.find("not found"), std::string::npos);
}

TEST(HostFunctions, DirectFormOutsideGuestMemoryTrapsAndTheNextCallGetsAFreshInstance) {
  int calls = 0;
  PluginOptions options;
  options.host_functions.push_back(upper_direct(&calls));
  auto plugin = Plugin::load_file(plugin_path("hostcall_faults"), options);
  ASSERT_TRUE(plugin);
  auto bad = plugin->call_string("direct_bad", "");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, ErrorKind::kTrap) << bad.error().describe();
  EXPECT_NE(bad.error().message.find("upper: out of bounds"), std::string::npos) << bad.error().message;
  auto again = plugin->call_string("ok", "");  // on a fresh instance
  ASSERT_TRUE(again) << again.error().describe();
  EXPECT_EQ(*again, "ok");
  EXPECT_EQ(plugin->replacements(), 1u);
  EXPECT_EQ(calls, 1);
}

TEST(HostFunctions, DirectCallToAFunctionWithoutThatFormIsNotFound) {
  PluginOptions options;
  options.host_functions.push_back(HostFnBytes(
      "upper", [](const CallContext&, std::span<const uint8_t>, std::vector<uint8_t>& out) -> Result<void> {
        out.clear();
        return {};
      }));
  auto plugin = Plugin::load_file(plugin_path("hostcall"), options);
  ASSERT_TRUE(plugin);
  auto out = plugin->call_string("direct", "x");
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().kind, ErrorKind::kPluginError);
  EXPECT_NE(out.error().message.find("not found"), std::string::npos) << out.error().message;
}

struct Point {
  int x = 0;
  int y = 0;
  MSGPACK_DEFINE_MAP(x, y);
};

TEST(HostFunctions, TypedHostFunctionDecodesAndEncodesMsgpack) {
  PluginOptions options;
  options.host_functions.push_back(
      HostFn<Point, Point>("relay", [](const CallContext&, const Point& p) -> Result<Point> {
        return Point{p.y, p.x};
      }));
  auto plugin = Plugin::load_file(plugin_path("hostcall"), options);
  ASSERT_TRUE(plugin);
  auto swap = PluginFn<Point, Point>::bind(*plugin, "relay");
  ASSERT_TRUE(swap);
  auto out = swap->call(Point{1, 2});
  ASSERT_TRUE(out) << out.error().describe();
  EXPECT_EQ(out->x, 2);
  EXPECT_EQ(out->y, 1);
  // Bytes that are not msgpack become an error for the plugin, not a crash.
  auto bad = plugin->call_string("relay", "\xc1");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("cannot decode msgpack"), std::string::npos);
}

}  // namespace
}  // namespace hookd
