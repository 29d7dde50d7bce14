// Heap allocations on the host, counted at the C allocator
// (tests/alloc/malloc_counter.hpp), of warm calls with an HTTP exchange
// attached: attaching it costs nothing, and neither does reading the
// request, which is walked in place and answered in reused buffers.
#include <gtest/gtest.h>

#include "exchange_support.hpp"
#include "hookd/hookd.hpp"
#include "hookd/host/plugin_services.hpp"
#include "malloc_counter.hpp"
#include "test_plugins.hpp"

namespace hookd::test {
namespace {

namespace mc = malloc_counter;

// As tests/alloc: long enough for V8 to tier the plugin up (that compile
// allocates), so what is counted is the steady state.
constexpr int kWarmUp = 1000;
constexpr int kCalls = 2000;

Plugin load(std::string_view name) {
  PluginOptions options;
  options.host_functions = host::builtin_host_functions(std::string(name), {}, {});
  auto plugin = Plugin::load_file(plugin_path(name), std::move(options));
  EXPECT_TRUE(plugin) << name << ": " << (plugin ? "" : plugin.error().describe());
  return std::move(*plugin);
}

Exchange request() {
  Exchange ex;
  ex.target = "/users/42/a%20b?q=hello+world";
  ex.header_text = {{"Host", "example.test"}, {"X-Token", "a"}, {"x-token", "b"}, {"Accept", "*/*"}};
  ex.route_text = {{"id", "42"}};
  return ex;
}

TEST(ExchangeAllocations, AnEchoCallWithARequestAttachedAllocatesNothing) {
  Plugin plugin = load("echo");
  Exchange ex = request();
  const CallContext& ctx = ex.context();
  const std::string payload(64, 'x');
  for (int i = 0; i < kWarmUp; ++i) ASSERT_TRUE(plugin.call("echo", bytes(payload), ctx));
  mc::Scope scope;
  size_t total = 0;
  for (int i = 0; i < kCalls; ++i) {
    auto r = plugin.call("echo", bytes(payload), ctx);
    total += r ? r->size() : 0;
  }
  const uint64_t n = scope.allocations();
  EXPECT_EQ(total, size_t{kCalls} * payload.size());
  EXPECT_EQ(n, 0u) << "allocations in " << kCalls << " echo calls";
}

TEST(ExchangeAllocations, ReadingTheRequestAllocatesNothingOnceWarm) {
  Plugin plugin = load("exchange");
  Exchange ex = request();
  const CallContext& ctx = ex.context();
  for (int i = 0; i < kWarmUp; ++i) {
    auto r = plugin.call("reads", {}, ctx);
    ASSERT_TRUE(r) << r.error().describe();
    ASSERT_EQ(text(*r), "GET 42");
  }
  mc::Scope scope;
  int ok = 0;
  for (int i = 0; i < kCalls; ++i) ok += plugin.call("reads", {}, ctx) ? 1 : 0;
  const uint64_t n = scope.allocations();
  EXPECT_EQ(ok, kCalls);
  EXPECT_EQ(n, 0u) << "allocations in " << kCalls << " calls that read six things of the request";
}

}  // namespace
}  // namespace hookd::test
