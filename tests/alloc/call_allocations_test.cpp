// Zero heap allocations per in-process call, counted at the C allocator
// (malloc_counter.hpp), on warm instances: the figure docs/benchmarks.md
// claims, asserted here so a change that allocates on the call path fails CI.
#include <gtest/gtest.h>

#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "hookd/hookd.hpp"
#include "malloc_counter.hpp"
#include "test_plugins.hpp"

namespace hookd::test {
namespace {

namespace mc = malloc_counter;

constexpr int kWarmUp = 1000;
constexpr int kCalls = 2000;

// Keeps the compiler from removing an allocation whose result is unused.
template <class T>
void keep(T* p) {
  asm volatile("" : : "g"(p) : "memory");
}

TEST(CallAllocations, TheCounterSeesEveryAllocator) {
  mc::Scope scope;
  void* a = std::malloc(24);
  keep(a);
  void* b = std::calloc(3, 8);
  keep(b);
  a = std::realloc(a, 4096);
  keep(a);
  auto* c = new char[100];  // operator new[] -> malloc
  keep(c);
  auto* d = new (std::align_val_t(256)) char[64];  // aligned new -> aligned_alloc
  keep(d);
  void* e = nullptr;
  ASSERT_EQ(posix_memalign(&e, 64, 128), 0);
  keep(e);
  const uint64_t n = scope.allocations();
  std::free(a);
  std::free(b);
  delete[] c;
  ::operator delete[](d, std::align_val_t(256));
  std::free(e);
  EXPECT_EQ(n, 6u);  // malloc, calloc, realloc, new, aligned new, posix_memalign
}

Plugin load(std::string_view name, PluginOptions options = {}) {
  auto plugin = Plugin::load_file(plugin_path(name), std::move(options));
  EXPECT_TRUE(plugin) << name << ": " << (plugin ? "" : plugin.error().describe());
  return std::move(*plugin);
}

TEST(CallAllocations, AnEchoCallAllocatesNothing) {
  Plugin plugin = load("echo");
  const std::string payload(64, 'x');
  for (int i = 0; i < kWarmUp; ++i) ASSERT_TRUE(plugin.call("echo", bytes(payload)));
  mc::Scope scope;
  size_t total = 0;
  for (int i = 0; i < kCalls; ++i) {
    auto r = plugin.call("echo", bytes(payload));
    total += r ? r->size() : 0;
  }
  const uint64_t n = scope.allocations();
  EXPECT_EQ(total, size_t{kCalls} * payload.size());
  EXPECT_EQ(n, 0u) << "allocations in " << kCalls << " echo calls";
}

TEST(CallAllocations, ACallWithOneHostCallAllocatesNothing) {
  PluginOptions options;
  options.host_functions.push_back(HostFnBytes(
      "relay",
      [](const CallContext&, std::span<const uint8_t> in, std::vector<uint8_t>& out) -> Result<void> {
        out.assign(in.begin(), in.end());  // reuses the host's reply buffer
        return {};
      }));
  Plugin plugin = load("hostcall", std::move(options));
  const std::string payload(64, 'x');
  for (int i = 0; i < kWarmUp; ++i) ASSERT_TRUE(plugin.call("relay", bytes(payload)));
  mc::Scope scope;
  size_t total = 0;
  for (int i = 0; i < kCalls; ++i) {
    auto r = plugin.call("relay", bytes(payload));
    total += r ? r->size() : 0;
  }
  const uint64_t n = scope.allocations();
  EXPECT_EQ(total, size_t{kCalls} * payload.size());
  EXPECT_EQ(n, 0u) << "allocations in " << kCalls << " calls with a host call";
}

}  // namespace
}  // namespace hookd::test
