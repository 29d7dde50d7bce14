// Host memory a plugin can make the host spend is bounded by the plugin's own
// limits (attack class 4, docs/security.md): the hostile test plugin asks for hundreds of
// MiB through WASI writes, logs, KV batches and host call results, and the
// counting allocator (counting_allocator.cpp) shows what the host really
// allocated, during the call and after it.
#include <gtest/gtest.h>
#include <hookd/abi.h>

#include <cstring>

#include "counting_allocator.hpp"
#include "hookd/hookd.hpp"
#include "hookd/host/memory_kv_store.hpp"
#include "hookd/host/plugin_services.hpp"
#include "test_plugins.hpp"

namespace hookd {
namespace {

using test::plugin_path;
namespace allocation = test::allocation;

constexpr size_t kMiB = 1u << 20;

PluginOptions hostile_options(uint32_t pages) {
  PluginOptions options;
  options.name = "hostile";
  options.limits.max_memory_pages = pages;
  options.stdout_sink = [](std::string_view, std::string_view) {};
  options.stderr_sink = [](std::string_view, std::string_view) {};
  options.logger = [](LogLevel, std::string_view, const CallContext&, std::string_view) {};
  return options;
}

std::string count_and_key(uint32_t n, std::string_view key) {
  std::string in(4, '\0');
  std::memcpy(in.data(), &n, 4);
  return in + std::string(key);
}

TEST(HostMemory, AWriteOfOneBufferRepeatedCopiesAtMostOneWriteBound) {
  size_t sunk = 0;
  PluginOptions options = hostile_options(256);
  options.stdout_sink = [&](std::string_view, std::string_view chunk) { sunk += chunk.size(); };
  auto p = Plugin::load_file(plugin_path("hostile"), std::move(options));
  ASSERT_TRUE(p) << p.error().describe();
  allocation::reset_largest();
  auto out = p->call_string("write_repeat", "");
  EXPECT_LT(allocation::largest(), kMiB) << "512 MiB were asked for in one fd_write";
  ASSERT_TRUE(out) << out.error().describe();
  // A short write (errno 0, nwritten at most 64 KiB): libc writes the rest
  // in later calls, each bounded the same way.
  EXPECT_EQ(*out, "0 " + std::to_string(64 * 1024));
  EXPECT_EQ(sunk, 64u * 1024);
}

TEST(HostMemory, AHugeLogMessageIsCutBeforeTheLoggerSeesIt) {
  size_t longest = 0;
  PluginOptions options = hostile_options(256);
  options.logger = [&](LogLevel, std::string_view, const CallContext&, std::string_view m) {
    longest = std::max(longest, m.size());
  };
  auto p = Plugin::load_file(plugin_path("hostile"), std::move(options));
  ASSERT_TRUE(p) << p.error().describe();
  allocation::reset_largest();
  ASSERT_TRUE(p->call_string("log_huge", ""));
  EXPECT_GT(longest, 0u);
  EXPECT_LE(longest, 16u * 1024 + 64);
  EXPECT_LT(allocation::largest(), kMiB);
}

// One stored 1 MiB value named 300 times: 300 MiB asked of the host by a
// plugin that can hold 4 MiB.
TEST(HostMemory, AKvBatchStopsAtThePluginsMemory) {
  host::MemoryKvStore kv;
  ASSERT_TRUE(kv.set("hostile", "big", std::string(kMiB, 'v')));
  config::PluginSettings settings;
  settings.grants.kv = config::KvGrant{"", config::KvMode::read};
  PluginOptions options = hostile_options(64);
  options.host_functions = host::builtin_host_functions("hostile", settings, host::HostServices{&kv});
  auto p = Plugin::load_file(plugin_path("hostile"), std::move(options));
  ASSERT_TRUE(p) << p.error().describe();
  allocation::reset_largest();
  auto out = p->call_string("get_many_repeat", count_and_key(300, "big"));
  EXPECT_LT(allocation::largest(), 3 * 4 * kMiB) << "a 4 MiB plugin made the host allocate this in one block";
  ASSERT_TRUE(out) << out.error().describe();
  EXPECT_TRUE(out->starts_with(std::to_string(HOOKD_HOST_ERROR) + " ")) << *out;
  // Within the bound the batch works.
  auto small = p->call_string("get_many_repeat", count_and_key(2, "big"));
  ASSERT_TRUE(small);
  EXPECT_TRUE(small->starts_with(std::to_string(HOOKD_HOST_OK) + " ")) << *small;
}

// Host functions of the embedder: `big` returns more than the plugin's
// memory, `medium` a large result the plugin can take.
std::vector<HostFunction> sized_results() {
  auto sized = [](size_t n) {
    return [n](const CallContext&, std::span<const uint8_t>, std::vector<uint8_t>& out) -> Result<void> {
      out.assign(n, 'r');
      return {};
    };
  };
  return {HostFunction{"test.big", sized(64 * kMiB)}, HostFunction{"test.medium", sized(3 * kMiB)}};
}

TEST(HostMemory, AResultLargerThanThePluginsMemoryIsRefusedAndFreed) {
  PluginOptions options = hostile_options(64);
  // The embedder's function fills 64 MiB before hookd can refuse it: about
  // 0.5 s here, more on a loaded box. What is tested is the refusal and the
  // freeing, not the call's time, so the deadline is not what may end it.
  options.limits.deadline = std::chrono::seconds(60);
  options.host_functions = sized_results();
  auto p = Plugin::load_file(plugin_path("hostile"), std::move(options));
  ASSERT_TRUE(p) << p.error().describe();
  ASSERT_TRUE(p->call_string("ok", ""));
  const size_t before = allocation::live_bytes();
  auto out = p->call_string("host_call_big", "test.big");
  ASSERT_TRUE(out) << out.error().describe();
  EXPECT_TRUE(out->starts_with(std::to_string(HOOKD_HOST_ERROR) + " ")) << *out;
  EXPECT_LT(allocation::live_bytes(), before + kMiB) << "the refused result is still held";
}

TEST(HostMemory, ScratchMemoryOfALargeCallIsGivenBackWhenTheCallEnds) {
  PluginOptions options = hostile_options(256);
  options.host_functions = sized_results();
  auto p = Plugin::load_file(plugin_path("hostile"), std::move(options));
  ASSERT_TRUE(p) << p.error().describe();
  ASSERT_TRUE(p->call_string("ok", ""));
  const size_t before = allocation::live_bytes();
  auto out = p->call_string("host_call_big", "test.medium");
  ASSERT_TRUE(out) << out.error().describe();
  EXPECT_EQ(*out, std::to_string(HOOKD_HOST_OK) + " " + std::to_string(3 * kMiB));
  EXPECT_LT(allocation::live_bytes(), before + kMiB) << "the host kept the call's scratch buffer";
}

}  // namespace
}  // namespace hookd
