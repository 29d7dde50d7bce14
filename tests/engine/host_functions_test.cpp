// Host functions: plugins reach what the embedder lends them through
// hookd.host_call, raw or typed.
#include <gtest/gtest.h>

#include <cstring>

#include "hookd/hookd.hpp"
#include "test_plugins.hpp"

namespace hookd {
namespace {

using test::plugin_path;

TEST(HostFunctions, PluginCallsARawHostFunctionAndGetsItsResult) {
  PluginOptions options;
  std::string seen_request;
  options.host_functions.push_back(HostFnBytes(
      "relay", [&](const CallContext& ctx, std::span<const uint8_t> in, std::vector<uint8_t>& out) -> Result<void> {
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
  auto plugin = Plugin::load_file(plugin_path("hostcall"));
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
        name, [name](const CallContext&, std::span<const uint8_t>, std::vector<uint8_t>& out) -> Result<void> {
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

struct Point {
  int x = 0;
  int y = 0;
  MSGPACK_DEFINE_MAP(x, y);
};

TEST(HostFunctions, TypedHostFunctionDecodesAndEncodesMsgpack) {
  PluginOptions options;
  options.host_functions.push_back(HostFn<Point, Point>(
      "relay", [](const CallContext&, const Point& p) -> Result<Point> { return Point{p.y, p.x}; }));
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
