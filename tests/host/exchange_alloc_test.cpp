// Heap allocations on the host, counted at the C allocator
// (tests/alloc/malloc_counter.hpp), of warm calls with an HTTP exchange
// attached: attaching it costs nothing, and neither does reading the
// request, which is walked in place and answered in reused buffers; and a
// warm response sink takes a plugin's headers into the buffer it kept.
#include <gtest/gtest.h>

#include <array>
#include <string_view>
#include <utility>

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

TEST(ExchangeAllocations, AWarmResponseSinkAddsThreeHeadersWithoutAllocating) {
  // Each value is longer than a std::string keeps inline, so a sink that
  // copied each header into strings of its own would allocate here.
  const std::array<std::pair<std::string_view, std::string_view>, 3> headers{{
      {"Set-Cookie", "session=0123456789abcdef; Path=/; HttpOnly; Secure"},
      {"Location", "/users/42/settings/notifications"},
      {"Content-Type", "application/json; charset=utf-8"},
  }};
  engine::ResponseSink sink;
  for (const auto& [name, value] : headers) ASSERT_TRUE(sink.add_header(name, value));
  ASSERT_TRUE(sink.set_status(201));
  for (int round = 0; round < 3; ++round) {
    sink.reset();
    uint64_t n = 0;
    {
      mc::Scope scope;
      for (const auto& [name, value] : headers) ASSERT_TRUE(sink.add_header(name, value));
      ASSERT_TRUE(sink.set_status(302));
      n = scope.allocations();
    }
    EXPECT_EQ(n, 0u) << "allocations adding 3 headers to a warm sink, round " << round;
    ASSERT_EQ(sink.headers().size(), headers.size());
    for (std::size_t i = 0; i < headers.size(); ++i) {
      EXPECT_EQ(sink.headers()[i].name, headers[i].first);
      EXPECT_EQ(sink.headers()[i].value, headers[i].second);
    }
  }
}

}  // namespace
}  // namespace hookd::test
