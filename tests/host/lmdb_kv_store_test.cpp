// LMDB-only behaviour: a full map, reopening, the directory it creates.
#include "hookd/host/lmdb_kv_store.hpp"

#include <gtest/gtest.h>
#include <lmdb.h>

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

// Stores from before records moved to the main database kept them in a named
// database "kv"; opening one moves every record, once, in one transaction.
TEST(LmdbKvStore, RecordsOfTheOlderNamedDatabaseLayoutAreMovedOnOpen) {
  TempDir dir;
  const auto path = dir.path() / "kv";
  std::filesystem::create_directories(path);
  auto raw_record = [](std::string_view value) { return std::string(12, '\0') + std::string(value); };
  {
    MDB_env* env = nullptr;
    ASSERT_EQ(mdb_env_create(&env), 0);
    ASSERT_EQ(mdb_env_set_maxdbs(env, 1), 0);
    ASSERT_EQ(mdb_env_open(env, path.c_str(), MDB_NOTLS, 0600), 0);
    MDB_txn* txn = nullptr;
    ASSERT_EQ(mdb_txn_begin(env, nullptr, 0, &txn), 0);
    MDB_dbi dbi = 0;
    ASSERT_EQ(mdb_dbi_open(txn, "kv", MDB_CREATE, &dbi), 0);
    for (int i = 0; i < 50; ++i) {
      const std::string key = std::string("plugin") + '\0' + "k" + std::to_string(i);
      const std::string value = raw_record("v" + std::to_string(i));
      MDB_val k{key.size(), const_cast<char*>(key.data())};
      MDB_val v{value.size(), const_cast<char*>(value.data())};
      ASSERT_EQ(mdb_put(txn, dbi, &k, &v, 0), 0);
    }
    ASSERT_EQ(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
  }
  for (int round = 0; round < 2; ++round) {  // the second open finds nothing left to move
    auto kv = open_store(path, std::size_t{64} << 20);
    ASSERT_NE(kv, nullptr);
    for (int i = 0; i < 50; ++i) {
      EXPECT_EQ(kv->get("plugin", "k" + std::to_string(i)).value(), "v" + std::to_string(i));
    }
    auto page = kv->list("plugin", "", "", 1000);
    ASSERT_TRUE(page);
    EXPECT_EQ(page->keys.size(), 50u + static_cast<unsigned>(round));  // plus new0 ... written below
    ASSERT_TRUE(kv->set("plugin", "new" + std::to_string(round), "x"));
  }
  {
    MDB_env* env = nullptr;
    ASSERT_EQ(mdb_env_create(&env), 0);
    ASSERT_EQ(mdb_env_set_maxdbs(env, 1), 0);
    ASSERT_EQ(mdb_env_open(env, path.c_str(), MDB_NOTLS | MDB_RDONLY, 0600), 0);
    MDB_txn* txn = nullptr;
    ASSERT_EQ(mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn), 0);
    MDB_dbi dbi = 0;
    EXPECT_EQ(mdb_dbi_open(txn, "kv", 0, &dbi), MDB_NOTFOUND);
    mdb_txn_abort(txn);
    mdb_env_close(env);
  }
}

// A store written before quotas existed has records but no usage entry for
// their namespace: the first write counts them, so the quota holds at once.
TEST(LmdbKvStore, AStoreWrittenBeforeQuotasIsCountedOnItsFirstWrite) {
  TempDir dir;
  const auto path = dir.path() / "kv";
  std::filesystem::create_directories(path);
  {
    MDB_env* env = nullptr;
    ASSERT_EQ(mdb_env_create(&env), 0);
    ASSERT_EQ(mdb_env_open(env, path.c_str(), MDB_NOTLS, 0600), 0);
    MDB_txn* txn = nullptr;
    ASSERT_EQ(mdb_txn_begin(env, nullptr, 0, &txn), 0);
    MDB_dbi dbi = 0;
    ASSERT_EQ(mdb_dbi_open(txn, nullptr, 0, &dbi), 0);
    for (int i = 0; i < 3; ++i) {  // three keys of 2 + 300 bytes: 906
      const std::string key = std::string("plugin") + '\0' + "k" + std::to_string(i);
      const std::string value = std::string(12, '\0') + std::string(300, 'v');
      MDB_val k{key.size(), const_cast<char*>(key.data())};
      MDB_val v{value.size(), const_cast<char*>(value.data())};
      ASSERT_EQ(mdb_put(txn, dbi, &k, &v, 0), 0);
    }
    ASSERT_EQ(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
  }
  LmdbKvOptions options;
  options.dir = path;
  options.limits.max_namespace_bytes = 1000;
  auto kv = LmdbKvStore::open(options);
  ASSERT_TRUE(kv) << kv.error().message;
  auto over = (*kv)->set("plugin", "n", std::string(99, 'n'));  // 906 + 100 > 1000
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, KvError::Code::kQuota) << over.error().message;
  EXPECT_TRUE((*kv)->set("plugin", "n", std::string(93, 'n')));  // 906 + 94 = 1000
}

}  // namespace
}  // namespace hookd::host::test
