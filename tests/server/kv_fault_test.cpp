// KV faults through the gateway (the standing fault suite, docs/security.md): Redis
// stopped and started again under load, the LMDB map filling up. A KV call
// fails fast with the plugin's 503, other plugins are unaffected, and the
// gateway recovers without a restart.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "eventually.hpp"
#include "gateway_fixture.hpp"
#include "http_client.hpp"
#include "redis_server.hpp"

namespace hookd::test {
namespace {

using namespace std::chrono_literals;

using hookd::test::eventually;

config::Config redis_config(const std::filesystem::path& dir, uint16_t redis_port) {
  auto c = test_config(dir);
  c.kv.backend = config::KvBackend::redis;
  c.kv.redis.address = {"127.0.0.1", redis_port};
  c.kv.redis.connect_timeout = 200ms;
  c.kv.redis.command_timeout = 200ms;
  auto counter = plugin_entry("counter", "counter");
  counter.settings.grants.kv = config::KvGrant{"", config::KvMode::read_write};
  c.plugins.push_back(counter);
  c.plugins.push_back(plugin_entry("echo", "echo"));
  return c;
}

TEST(KvFaults, RedisStoppedUnderLoadFailsKvCallsFastAndRecoversWithoutARestart) {
  auto redis = host::test::RedisServer::start();
  ASSERT_NE(redis, nullptr);
  auto g = start_gateway(redis_config(fresh_dir("redis-fault"), redis->port()));
  ASSERT_NE(g, nullptr);
  HttpClient kv(g->port());
  ASSERT_EQ(kv.post("/plugins/counter/incr", "").result_int(), 200);

  // Echo load on its own connection for the whole test.
  std::atomic<bool> stop{false};
  std::atomic<int> echo_ok{0}, echo_bad{0};
  std::thread load([&] {
    HttpClient echo(g->port());
    while (!stop.load()) {
      auto r = echo.post("/plugins/echo/echo", "ping");
      (r.result_int() == 200 && r.body() == "ping" ? echo_ok : echo_bad).fetch_add(1);
    }
  });

  redis->stop();
  const int echo_before = echo_ok.load();
  for (int i = 0; i < 5; ++i) {
    const auto start = std::chrono::steady_clock::now();
    auto r = kv.post("/plugins/counter/incr", "");
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(r.result_int(), 503) << r.body();
    // Bounded by the Redis timeouts (connect 200 ms + retries), not a hang.
    EXPECT_LT(took, 5s);
  }
  EXPECT_TRUE(eventually([&] { return echo_ok.load() > echo_before + 10; }))
      << "echo stalled while Redis was down";

  ASSERT_TRUE(redis->restart());
  EXPECT_TRUE(eventually([&] { return kv.post("/plugins/counter/incr", "").result_int() == 200; }))
      << "KV calls did not recover after Redis came back";
  stop = true;
  load.join();
  EXPECT_EQ(echo_bad.load(), 0);
}

config::Config lmdb_config(const std::filesystem::path& dir) {
  auto c = test_config(dir);
  c.kv.backend = config::KvBackend::lmdb;
  c.kv.map_size_mb = 1;
  auto kvcpp = plugin_entry("notes", "kvcpp");
  kvcpp.settings.grants.kv = config::KvGrant{"", config::KvMode::read_write};
  c.plugins.push_back(kvcpp);
  c.plugins.push_back(plugin_entry("echo", "echo"));
  return c;
}

// The LMDB map (1 MiB) filled through a plugin: the write that does not fit
// gets a clear error, reads still work, deleting frees room, and the
// gateway keeps serving.
TEST(KvFaults, AFullLmdbMapIsAClearErrorAndTheStoreStaysUsable) {
  auto g = start_gateway(lmdb_config(fresh_dir("lmdb-full")));
  ASSERT_NE(g, nullptr);
  HttpClient c(g->port());
  const std::string value(60 * 1024, 'v');
  std::string error;
  int written = 0;
  for (; written < 64 && error.empty(); ++written) {
    auto r = c.post("/plugins/notes/set", "k" + std::to_string(written) + "=" + value);
    if (r.result_int() != 200) error = r.body();
  }
  ASSERT_FALSE(error.empty()) << "a 1 MiB map took " << written << " x 60 KiB";
  EXPECT_NE(error.find("KV store full"), std::string::npos) << error;
  EXPECT_EQ(c.post("/plugins/notes/get", "k0").body(), value);
  EXPECT_EQ(c.post("/plugins/echo/echo", "still here").body(), "still here");
  ASSERT_EQ(c.post("/plugins/notes/del", "k0").result_int(), 200);
  ASSERT_EQ(c.post("/plugins/notes/del", "k1").result_int(), 200);
  EXPECT_EQ(c.post("/plugins/notes/set", "after=small").result_int(), 200);
}

}  // namespace
}  // namespace hookd::test
