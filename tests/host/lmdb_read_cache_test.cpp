// The LMDB store's per-thread read cache: never a stale read after a write
// was acknowledged (same thread or another), bounded, and one process per
// store (the cache relies on seeing every write).
#include "lmdb/lmdb_read_cache.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "hookd/host/lmdb_kv_store.hpp"
#include "kv_test_support.hpp"

namespace hookd::host::test {
namespace {

std::unique_ptr<LmdbKvStore> open_cached_store(
    const std::filesystem::path& dir, std::size_t cache_bytes,
    std::shared_ptr<const util::Clock> clock = util::system_clock()) {
  LmdbKvOptions options;
  options.dir = dir;
  options.map_size_bytes = std::size_t{64} << 20;
  options.read_cache_bytes = cache_bytes;
  options.clock = std::move(clock);
  auto store = LmdbKvStore::open(options);
  if (!store) {
    ADD_FAILURE() << store.error().message;
    return nullptr;
  }
  return std::move(*store);
}

std::optional<std::string> many_one(KvStore& kv, std::string_view key) {
  std::optional<std::string> out;
  const std::string_view keys[] = {key};
  auto r = kv.get_many("p", keys, [&](std::size_t, const std::string_view* v) {
    if (v) out = std::string(*v);
  });
  EXPECT_TRUE(r);
  return out;
}

TEST(LmdbReadCache, EveryKindOfWriteIsSeenByTheNextRead) {
  TempDir dir;
  auto kv = open_cached_store(dir.path(), 1 << 20);
  ASSERT_NE(kv, nullptr);
  ASSERT_TRUE(kv->set("p", "k", "one"));
  for (int i = 0; i < 2; ++i) EXPECT_EQ(kv->get("p", "k").value(), "one");  // the second one is cached
  EXPECT_EQ(many_one(*kv, "k"), "one");
  ASSERT_TRUE(kv->set("p", "k", "two"));
  EXPECT_EQ(kv->get("p", "k").value(), "two");
  EXPECT_EQ(many_one(*kv, "k"), "two");
  ASSERT_TRUE(kv->cas("p", "k", "two", "three").value());
  EXPECT_EQ(kv->get("p", "k").value(), "three");
  ASSERT_TRUE(kv->del("p", "k").value());
  EXPECT_EQ(kv->get("p", "k").value(), std::nullopt);
  EXPECT_EQ(many_one(*kv, "k"), std::nullopt);
  EXPECT_EQ(kv->incr("p", "k", 5).value(), 5);  // a cached "absent" is not kept either
  EXPECT_EQ(kv->get("p", "k").value(), "5");
  std::vector<std::uint8_t> out;
  ASSERT_TRUE(kv->get_to("p", "k", out).value());
  EXPECT_EQ(std::string(out.begin(), out.end()), "5");
}

TEST(LmdbReadCache, ACachedValueStillExpiresWithItsTtl) {
  TempDir dir;
  auto clock = std::make_shared<util::ManualClock>();
  auto kv = open_cached_store(dir.path(), 1 << 20, clock);
  ASSERT_NE(kv, nullptr);
  ASSERT_TRUE(kv->set("p", "session", "data", std::chrono::milliseconds(1000)));
  EXPECT_EQ(kv->get("p", "session").value(), "data");
  EXPECT_EQ(kv->get("p", "session").value(), "data");  // from the cache
  clock->advance(std::chrono::milliseconds(1001));
  EXPECT_EQ(kv->get("p", "session").value(), std::nullopt);
  EXPECT_EQ(many_one(*kv, "session"), std::nullopt);
}

// Readers on other threads never go back in time, and once the writer has
// finished they all see its last value.
TEST(LmdbReadCache, ReadersOnOtherThreadsNeverSeeAnOlderValueThanBefore) {
  TempDir dir;
  auto kv = open_cached_store(dir.path(), 1 << 20);
  ASSERT_NE(kv, nullptr);
  ASSERT_TRUE(kv->set("p", "n", "0"));
  constexpr int kWrites = 300;
  std::atomic<int> acknowledged{0};
  std::atomic<bool> failed{false};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&, t] {
      long seen = 0;
      for (;;) {
        const int acked = acknowledged.load();
        auto v = t == 0 ? many_one(*kv, "n") : kv->get("p", "n").value();
        const long n = v ? std::stol(*v) : -1;
        // Never older than what it saw before, nor than what was acknowledged
        // before the read started.
        if (n < seen || n < acked) {
          ADD_FAILURE() << "thread " << t << " read " << n << " after " << seen << " (acknowledged " << acked
                        << ")";
          failed = true;
          return;
        }
        seen = n;
        if (n == kWrites) return;
      }
    });
  }
  for (int i = 1; i <= kWrites && !failed; ++i) {
    ASSERT_EQ(kv->incr("p", "n", 1).value(), i);
    acknowledged = i;
  }
  for (auto& r : readers) r.join();
}

TEST(LmdbReadCache, StaysWithinItsBudgetAndReadsStayRight) {
  TempDir dir;
  auto kv = open_cached_store(dir.path(), 4096);
  ASSERT_NE(kv, nullptr);
  for (int i = 0; i < 200; ++i)
    ASSERT_TRUE(kv->set("p", "k" + std::to_string(i), std::string(40, 'a' + i % 26)));
  const std::string big(1000, 'B');  // more than 1/16 of the budget: never cached
  ASSERT_TRUE(kv->set("p", "big", big));
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 200; ++i) {
      ASSERT_EQ(kv->get("p", "k" + std::to_string(i)).value(), std::string(40, 'a' + i % 26)) << i;
    }
    ASSERT_EQ(kv->get("p", "big").value(), big);
  }
}

std::string composite(std::string_view key) { return std::string("ns") + '\0' + std::string(key); }

TEST(LmdbReadCache, TheCacheItselfKeepsItsByteBudget) {
  detail::ReadCache cache(2048);
  for (int i = 0; i < 100; ++i) {
    cache.put(composite("k" + std::to_string(i)), 1, true, 0, std::string(50, 'x'));
    EXPECT_LE(cache.bytes(), 2048u);
  }
  EXPECT_GT(cache.size(), 0u);
  cache.put(composite("big"), 1, true, 0, std::string(200, 'x'));  // > 2048 / 16
  EXPECT_EQ(cache.find(composite("big"), 1), nullptr);
  cache.put(composite("k1"), 1, true, 0, "v1");
  ASSERT_NE(cache.find(composite("k1"), 1), nullptr);
  EXPECT_EQ(cache.find(composite("k1"), 1)->value, "v1");
  EXPECT_EQ(cache.find(composite("k1"), 2), nullptr) << "another generation";
  cache.put(composite("k1"), 2, true, 0, std::string(1000, 'y'));  // grows past the budget in place
  EXPECT_LE(cache.bytes(), 2048u);
}

TEST(LmdbReadCache, ASecondOpenOfTheSameStoreIsRefusedClearly) {
  TempDir dir;
  auto first = open_cached_store(dir.path(), 1 << 20);
  ASSERT_NE(first, nullptr);
  LmdbKvOptions options;
  options.dir = dir.path();
  auto second = LmdbKvStore::open(options);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, KvError::Code::kUnavailable);
  EXPECT_NE(second.error().message.find("in use by another process"), std::string::npos)
      << second.error().message;
  first.reset();
  auto again = LmdbKvStore::open(options);
  EXPECT_TRUE(again) << again.error().message;
}

}  // namespace
}  // namespace hookd::host::test
