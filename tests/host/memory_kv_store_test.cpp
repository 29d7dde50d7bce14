// Fake-only checks of behaviour shared by every store through KvLimits.
#include "hookd/host/memory_kv_store.hpp"

#include <gtest/gtest.h>

namespace hookd::host::test {
namespace {

TEST(MemoryKvStore, ListClampsThePageToTheConfiguredMaximum) {
  MemoryKvStore kv(KvLimits{.max_page_keys = 3});
  for (std::string k : {"a", "b", "c", "d", "e"}) ASSERT_TRUE(kv.set("plugin", k, ""));
  auto page = kv.list("plugin", "", "", 1000).value();
  EXPECT_EQ(page.keys, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(page.next_cursor, "c");
}

TEST(MemoryKvStore, ConfiguredLimitsApply) {
  MemoryKvStore kv(KvLimits{.max_key_bytes = 4, .max_value_bytes = 2});
  EXPECT_TRUE(kv.set("plugin", "abcd", "xy"));
  EXPECT_EQ(kv.set("plugin", "abcde", "x").error().code, KvError::Code::kTooLarge);
  EXPECT_EQ(kv.set("plugin", "abcd", "xyz").error().code, KvError::Code::kTooLarge);
}

}  // namespace
}  // namespace hookd::host::test
