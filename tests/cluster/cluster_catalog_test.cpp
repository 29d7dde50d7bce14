// The cluster catalog against a real redis-server (tests/host/redis_server.hpp):
// atomic put/delete with contiguous versions, content-addressed modules
// checked against their hash, resumable log reads, trimming seen as a version
// gap, heartbeats with expiry, and clear 503 errors when Redis is stopped.
#include "cluster/cluster_catalog.hpp"

#include <gtest/gtest.h>

#include <array>
#include <thread>

#include "hookd/engine/sha256.hpp"
#include "redis_server.hpp"

namespace hookd::server::cluster {
namespace {

using namespace std::chrono_literals;

std::vector<uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }

class ClusterCatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    redis_ = host::test::RedisServer::start();
    ASSERT_NE(redis_, nullptr);
    options_.port = redis_->port();
    options_.connect_timeout = 200ms;
    options_.command_timeout = 300ms;
    options_.pool_size = 2;
    pool_ = std::make_unique<host::detail::RedisPool>(options_);
    catalog_ = std::make_unique<ClusterCatalog>(*pool_, "test-cluster", 10);
  }

  Change put(const std::string& name, std::string_view module, const std::string& settings = "{}") {
    auto wasm = bytes(module);
    auto c = catalog_->put(name, wasm, engine::sha256_hex(wasm), settings);
    EXPECT_TRUE(c.has_value()) << (c ? "" : c.error().message);
    return c ? *c : Change{};
  }

  void redis(std::initializer_list<std::string_view> args) {
    std::vector<std::string_view> v(args);
    ASSERT_TRUE(pool_->command(v, host::detail::Retry::kNo).has_value());
  }

  std::unique_ptr<host::test::RedisServer> redis_;
  host::RedisKvOptions options_;
  std::unique_ptr<host::detail::RedisPool> pool_;
  std::unique_ptr<ClusterCatalog> catalog_;
};

TEST_F(ClusterCatalogTest, PutsAndDeletesAreLoggedWithContiguousVersions) {
  EXPECT_EQ(put("a", "one").version, 1u);
  EXPECT_EQ(put("b", "two").version, 2u);
  auto removed = catalog_->remove("a");
  ASSERT_TRUE(removed.has_value());
  ASSERT_TRUE(removed->has_value());
  EXPECT_EQ((*removed)->version, 3u);

  auto log = catalog_->read_log("0-0", 0, 100);
  ASSERT_TRUE(log.has_value());
  ASSERT_EQ(log->size(), 3u);
  EXPECT_EQ((*log)[0].op, Change::Op::kPut);
  EXPECT_EQ((*log)[0].name, "a");
  EXPECT_EQ((*log)[0].sha256, engine::sha256_hex(bytes("one")));
  EXPECT_EQ((*log)[2].op, Change::Op::kDelete);
  for (size_t i = 0; i < log->size(); ++i) EXPECT_EQ((*log)[i].version, i + 1);

  // Resumable: from an entry's ID, only what came after it.
  auto rest = catalog_->read_log((*log)[1].id, 0, 100);
  ASSERT_TRUE(rest.has_value());
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ((*rest)[0].version, 3u);
}

TEST_F(ClusterCatalogTest, DeletingAnUnknownPluginChangesNothing) {
  auto removed = catalog_->remove("nothing");
  ASSERT_TRUE(removed.has_value());
  EXPECT_FALSE(removed->has_value());
  auto snap = catalog_->snapshot();
  ASSERT_TRUE(snap.has_value());
  EXPECT_EQ(snap->version, 0u);
  EXPECT_EQ(snap->last_id, "0-0");
}

TEST_F(ClusterCatalogTest, SnapshotHoldsTheLatestManifestsAndTheMatchingLogPosition) {
  put("a", "one", R"({"config":{"k":"1"}})");
  put("a", "two", R"({"config":{"k":"2"}})");
  const Change last = put("b", "three");
  auto snap = catalog_->snapshot();
  ASSERT_TRUE(snap.has_value());
  EXPECT_EQ(snap->version, 3u);
  EXPECT_EQ(snap->last_id, last.id);
  ASSERT_EQ(snap->plugins.size(), 2u);
  EXPECT_EQ(snap->plugins[0].name, "a");
  EXPECT_EQ(snap->plugins[0].sha256, engine::sha256_hex(bytes("two")));
  EXPECT_EQ(snap->plugins[0].settings_json, R"({"config":{"k":"2"}})");
  EXPECT_EQ(snap->plugins[0].version, 2u);
  auto m = catalog_->manifest("b");
  ASSERT_TRUE(m.has_value() && m->has_value());
  EXPECT_EQ((*m)->version, 3u);
  auto none = catalog_->manifest("zzz");
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->has_value());
}

TEST_F(ClusterCatalogTest, ModulesAreFetchedByHashAndChecked) {
  const Change c = put("a", "module bytes");
  auto wasm = catalog_->module(c.sha256, 1 << 20);
  ASSERT_TRUE(wasm.has_value());
  EXPECT_EQ(*wasm, bytes("module bytes"));

  auto too_big = catalog_->module(c.sha256, 4);
  ASSERT_FALSE(too_big.has_value());
  EXPECT_NE(too_big.error().message.find("larger than 4 bytes"), std::string::npos);

  redis({"SET", "hookd-cluster:test-cluster:module:" + c.sha256, "tampered"});
  auto bad = catalog_->module(c.sha256, 1 << 20);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().kind, engine::ErrorKind::kIntegrity);

  auto missing = catalog_->module(std::string(64, 'a'), 1 << 20);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().kind, engine::ErrorKind::kNotFound);
}

TEST_F(ClusterCatalogTest, ATrimmedLogShowsAsAVersionGap) {
  redis({"CONFIG", "SET", "stream-node-max-entries", "2"});
  const Change first = put("a", "v0");
  for (int i = 1; i < 40; ++i) put("a", "v" + std::to_string(i % 3));
  auto log = catalog_->read_log(first.id, 0, 100);
  ASSERT_TRUE(log.has_value());
  ASSERT_FALSE(log->empty());
  EXPECT_GT(log->front().version, first.version + 1) << "nothing was trimmed";
  EXPECT_EQ(log->back().version, 40u);
}

TEST_F(ClusterCatalogTest, ABlockingReadWaitsForTheNextChange) {
  std::thread writer([this] {
    std::this_thread::sleep_for(50ms);
    put("a", "late");
  });
  auto log = catalog_->read_log("$", 0, 1);  // "$" without BLOCK: nothing
  ASSERT_TRUE(log.has_value());
  EXPECT_TRUE(log->empty());
  std::vector<Change> got;
  const auto give_up = std::chrono::steady_clock::now() + 10s;
  while (got.empty() && std::chrono::steady_clock::now() < give_up) {
    auto r = catalog_->read_log("0-0", 100, 1);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    got = *r;
  }
  writer.join();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].name, "a");
}

TEST_F(ClusterCatalogTest, HeartbeatsExpireAndForgottenNodesLeave) {
  ASSERT_TRUE(catalog_->heartbeat("n1", R"({"id":"n1"})", 60'000).has_value());
  ASSERT_TRUE(catalog_->heartbeat("n2", R"({"id":"n2"})", 60'000).has_value());
  ASSERT_TRUE(catalog_->heartbeat("gone", R"({"id":"gone"})", 20).has_value());
  std::vector<std::string> live;
  const auto give_up = std::chrono::steady_clock::now() + 10s;
  do {
    auto nodes = catalog_->nodes(100);
    ASSERT_TRUE(nodes.has_value());
    live = *nodes;
  } while (live.size() != 2 && std::chrono::steady_clock::now() < give_up);
  EXPECT_EQ(live.size(), 2u);
  ASSERT_TRUE(catalog_->forget("n1").has_value());
  auto nodes = catalog_->nodes(100);
  ASSERT_TRUE(nodes.has_value());
  EXPECT_EQ(*nodes, std::vector<std::string>{R"({"id":"n2"})"});
}

TEST_F(ClusterCatalogTest, AStoppedRedisIsA503NotAHang) {
  put("a", "one");
  redis_->pause();
  auto wasm = bytes("two");
  auto r = catalog_->put("a", wasm, engine::sha256_hex(wasm), "{}");
  redis_->resume();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().status, 503);
  EXPECT_NE(r.error().message.find("cluster catalog"), std::string::npos);
  // Nothing half-written: the catalog is still at version 1.
  auto snap = catalog_->snapshot();
  ASSERT_TRUE(snap.has_value()) << snap.error().message;
  EXPECT_EQ(snap->version, 1u);
}

TEST_F(ClusterCatalogTest, ADeleteAnswered503WhileRedisIsPausedDoesNotHappenWhenItResumes) {
  put("a", "one");
  redis_->pause();
  auto r = catalog_->remove("a");
  redis_->resume();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().status, 503) << r.error().message;
  // Redis reads what the paused connection had sent in its first loop after
  // SIGCONT; a connection opened now is read after that.
  host::detail::RedisPool fresh_pool(options_);
  ClusterCatalog fresh(fresh_pool, "test-cluster", 10);
  auto snap = fresh.snapshot();
  ASSERT_TRUE(snap.has_value()) << snap.error().message;
  EXPECT_EQ(snap->version, 1u);
  ASSERT_EQ(snap->plugins.size(), 1u);
  EXPECT_EQ(snap->plugins[0].name, "a");
  auto log = fresh.read_log("0-0", 0, 100);
  ASSERT_TRUE(log.has_value());
  EXPECT_EQ(log->size(), 1u);
}

TEST_F(ClusterCatalogTest, AWriteThatReachesRedisPastItsDeadlineChangesNothing) {
  put("a", "one");
  catalog_->set_write_window_for_test(-1s);  // as if Redis had held it past the node's timeout
  auto removed = catalog_->remove("a");
  ASSERT_FALSE(removed.has_value());
  EXPECT_EQ(removed.error().status, 503);
  EXPECT_NE(removed.error().message.find("not applied"), std::string::npos) << removed.error().message;
  auto wasm = bytes("two");
  auto put_late = catalog_->put("a", wasm, engine::sha256_hex(wasm), "{}");
  ASSERT_FALSE(put_late.has_value());
  EXPECT_EQ(put_late.error().status, 503);
  auto snap = catalog_->snapshot();
  ASSERT_TRUE(snap.has_value());
  EXPECT_EQ(snap->version, 1u);
  ASSERT_EQ(snap->plugins.size(), 1u);
  EXPECT_EQ(snap->plugins[0].sha256, engine::sha256_hex(bytes("one")));

  catalog_->set_write_window_for_test(60s);  // in time: applied
  auto in_time = catalog_->remove("a");
  ASSERT_TRUE(in_time.has_value()) << in_time.error().message;
  EXPECT_TRUE(in_time->has_value());
}

}  // namespace
}  // namespace hookd::server::cluster
