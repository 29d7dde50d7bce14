// Redis-only behaviour: outages, hangs, reconnection, the pool's bound.
#include "hookd/host/redis_kv_store.hpp"

#include <gtest/gtest.h>

#include <array>
#include <thread>

#include "hookd/host/redis_pool.hpp"
#include "kv_test_support.hpp"
#include "redis_server.hpp"

namespace hookd::host::test {
namespace {

using namespace std::chrono_literals;
using Code = KvError::Code;

constexpr auto kMargin = 500ms;  // scheduling slack on a loaded machine

class RedisKvStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = RedisServer::start();
    ASSERT_NE(server_, nullptr);
    options_.port = server_->port();
    options_.connect_timeout = 200ms;
    options_.command_timeout = 300ms;
    options_.pool_size = 2;
    kv_ = std::make_unique<RedisKvStore>(options_);
  }
  void TearDown() override {
    if (server_) server_->resume();  // a stopped process is still killed, but be tidy
  }

  // Runs `call` and returns how long it took.
  template <class F>
  std::chrono::milliseconds timed(F&& call) {
    const auto start = std::chrono::steady_clock::now();
    std::forward<F>(call)();
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  }

  std::unique_ptr<RedisServer> server_;
  RedisKvOptions options_;
  std::unique_ptr<RedisKvStore> kv_;
};

TEST_F(RedisKvStoreTest, CallsFailFastWhileRedisIsDownAndSucceedAfterItRestarts) {
  ASSERT_TRUE(kv_->set("plugin", "k", "before"));  // leaves a pooled connection behind
  server_->stop();
  for (int i = 0; i < 3; ++i) {
    KvResult<std::optional<std::string>> r;
    auto took = timed([&] { r = kv_->get("plugin", "k"); });
    ASSERT_FALSE(r);
    EXPECT_TRUE(r.error().code == Code::kUnavailable || r.error().code == Code::kTimeout)
        << r.error().message;
    EXPECT_LT(took, options_.max_call_time() + kMargin);
    EXPECT_EQ(kv_->incr("plugin", "n", 1).error().code, Code::kUnavailable);
  }
  ASSERT_TRUE(server_->restart());
  // The first call after the restart already works: the store reconnects.
  auto got = kv_->get("plugin", "k");
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(*got, std::nullopt) << "the restarted server keeps no data (--save '')";
  EXPECT_EQ(kv_->incr("plugin", "n", 1).value(), 1);
}

TEST_F(RedisKvStoreTest, StaleConnectionsFromBeforeARestartAreReplaced) {
  ASSERT_TRUE(kv_->set("plugin", "k", "v"));  // one pooled connection, now idle
  ASSERT_TRUE(server_->restart());            // nothing was called while it was down
  auto got = kv_->get("plugin", "k");         // reads on the stale socket fail, then retry
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(*got, std::nullopt);
  EXPECT_TRUE(kv_->set("plugin", "k", "again"));
}

TEST_F(RedisKvStoreTest, AHungRedisTimesOutWithinTheCommandTimeout) {
  ASSERT_TRUE(kv_->set("plugin", "k", "v"));
  server_->pause();
  KvResult<std::optional<std::string>> r;
  auto took = timed([&] { r = kv_->get("plugin", "k"); });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::kTimeout) << r.error().message;
  EXPECT_GE(took, options_.command_timeout - 50ms);
  EXPECT_LT(took, options_.max_call_time() + kMargin);
  server_->resume();
  EXPECT_TRUE(eventually([&] { return kv_->get("plugin", "k").has_value(); }));
  EXPECT_EQ(kv_->get("plugin", "k").value(), "v");
}

TEST_F(RedisKvStoreTest, AnExhaustedPoolTimesOutInsteadOfWaitingForever) {
  ASSERT_TRUE(kv_->set("plugin", "k", "v"));
  server_->pause();  // every pooled call now holds its connection for a command timeout
  std::vector<KvResult<std::optional<std::string>>> results(4);
  std::vector<std::chrono::milliseconds> took(4);
  {
    std::vector<std::jthread> threads;
    for (std::size_t i = 0; i < results.size(); ++i) {
      threads.emplace_back([&, i] { took[i] = timed([&] { results[i] = kv_->get("plugin", "k"); }); });
    }
  }
  server_->resume();
  for (std::size_t i = 0; i < results.size(); ++i) {
    ASSERT_FALSE(results[i]);
    EXPECT_EQ(results[i].error().code, Code::kTimeout) << results[i].error().message;
    EXPECT_LT(took[i], options_.max_call_time() + kMargin);
  }
}

TEST_F(RedisKvStoreTest, WrongPasswordIsUnavailableWithTheServersReason) {
  auto secured = RedisServer::start("right");
  ASSERT_NE(secured, nullptr);
  RedisKvOptions options = options_;
  options.port = secured->port();
  options.password = "wrong";
  RedisKvStore kv(options);
  auto r = kv.get("plugin", "k");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::kUnavailable);
  EXPECT_NE(r.error().message.find("AUTH"), std::string::npos) << r.error().message;
}

TEST_F(RedisKvStoreTest, KeysAreStoredUnderTheKvTagAndNamespace) {
  ASSERT_TRUE(kv_->set("plugin", "k", "v"));
  detail::RedisPool raw(options_);
  const std::array<std::string_view, 2> get{"GET", "hookd:plugin:k"};
  auto r = raw.command(get, detail::Retry::kNo);
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ((*r)->type, REDIS_REPLY_STRING);
  EXPECT_EQ(std::string_view((*r)->str, (*r)->len), "v");
}

TEST(RedisGlobEscape, EscapesEveryMetacharacter) {
  EXPECT_EQ(redis_glob_escape("a*b?c[d]e\\f^g-h"), "a\\*b\\?c\\[d\\]e\\\\f^g-h");
}

TEST(RedisKvStore, UnreachableServerFailsWithinTheConnectTimeout) {
  RedisKvOptions options;
  options.port = free_loopback_port();  // nobody listens there
  options.connect_timeout = 200ms;
  RedisKvStore kv(options);
  const auto start = std::chrono::steady_clock::now();
  auto r = kv.set("plugin", "k", "v");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::kUnavailable);
  EXPECT_LT(std::chrono::steady_clock::now() - start, options.max_call_time() + kMargin);
}

}  // namespace
}  // namespace hookd::host::test
