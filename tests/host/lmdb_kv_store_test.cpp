// LMDB-only behaviour: a full map, reopening, the directory it creates.
#include "hookd/host/lmdb_kv_store.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "kv_test_support.hpp"

namespace hookd::host::test {
namespace {

std::unique_ptr<LmdbKvStore> open_store(const std::filesystem::path& dir, std::size_t map_size) {
  LmdbKvOptions options;
  options.dir = dir;
  options.map_size_bytes = map_size;
  auto store = LmdbKvStore::open(options);
  if (!store) {
    ADD_FAILURE() << store.error().message;
    return nullptr;
  }
  return std::move(*store);
}

TEST(LmdbKvStore, WritingPastTheMapSizeFailsWithFullAndAClearMessage) {
  TempDir dir;
  auto kv = open_store(dir.path() / "kv", std::size_t{1} << 20);
  ASSERT_NE(kv, nullptr);
  const std::string value(64 * 1024, 'x');
  std::optional<KvError> error;
  int written = 0;
  for (; written < 64 && !error; ++written) {  // 64 x 64 KiB is 4x the map
    auto r = kv->set("plugin", "k" + std::to_string(written), value);
    if (!r) error = r.error();
  }
  ASSERT_TRUE(error.has_value()) << "1 MiB map took 4 MiB";
  EXPECT_EQ(error->code, KvError::Code::kFull);
  EXPECT_EQ(error->message, "KV store full: map size 1 MiB reached; raise kv.map_size_mb");
  // The store stays usable: earlier data is readable, and deleting frees room.
  EXPECT_EQ(kv->get("plugin", "k0").value(), value);
  ASSERT_TRUE(kv->del("plugin", "k0").value());
  ASSERT_TRUE(kv->del("plugin", "k1").value());
  EXPECT_TRUE(kv->set("plugin", "after", "small"));
}

TEST(LmdbKvStore, ReopeningKeepsEveryKeyAndItsTtl) {
  TempDir dir;
  {
    auto kv = open_store(dir.path() / "kv", std::size_t{16} << 20);
    ASSERT_NE(kv, nullptr);
    ASSERT_TRUE(kv->set("plugin", "plain", "value"));
    ASSERT_TRUE(kv->set("plugin", std::string(1000, 'L'), "long key"));
    ASSERT_TRUE(kv->set("plugin", "ttl", "v", std::chrono::hours(1)));
    ASSERT_TRUE(kv->incr("plugin", "n", 41));
  }
  auto kv = open_store(dir.path() / "kv", std::size_t{16} << 20);
  ASSERT_NE(kv, nullptr);
  EXPECT_EQ(kv->get("plugin", "plain").value(), "value");
  EXPECT_EQ(kv->get("plugin", std::string(1000, 'L')).value(), "long key");
  EXPECT_EQ(kv->get("plugin", "ttl").value(), "v");
  EXPECT_EQ(kv->incr("plugin", "n", 1).value(), 42);
}

TEST(LmdbKvStore, OpenCreatesMissingDirectories) {
  TempDir dir;
  auto kv = open_store(dir.path() / "a" / "b" / "kv", std::size_t{1} << 20);
  ASSERT_NE(kv, nullptr);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "a" / "b" / "kv" / "data.mdb"));
}

TEST(LmdbKvStore, OpenOfAnUnusablePathIsAnError) {
  TempDir dir;
  std::filesystem::path file = dir.path() / "file";
  { std::ofstream(file) << "not a directory"; }
  LmdbKvOptions options;
  options.dir = file / "kv";
  auto store = LmdbKvStore::open(options);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, KvError::Code::kUnavailable);
}

TEST(LmdbKvStore, ReadsFromManyThreadsReuseReadTransactions) {
  TempDir dir;
  LmdbKvOptions options;
  options.dir = dir.path() / "kv";
  options.map_size_bytes = std::size_t{1} << 20;
  options.max_readers = 8;  // far fewer than the reads below: slots must be reused
  auto kv = LmdbKvStore::open(options);
  ASSERT_TRUE(kv);
  ASSERT_TRUE((*kv)->set("plugin", "k", "v"));
  std::atomic<int> bad{0};
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < 2000; ++i) {
          auto r = (*kv)->get("plugin", "k");
          if (!r || *r != "v") bad++;
        }
      });
    }
  }
  EXPECT_EQ(bad.load(), 0);
}

}  // namespace
}  // namespace hookd::host::test
