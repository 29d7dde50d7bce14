// A gateway in cluster mode against a real redis-server: the node's
// last_error in GET /admin/cluster says when it happened and is cleared once
// its cause is gone, and a plugin the node's config file pins stays pinned
// against the cluster catalog (another node's upload of that name).
#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <functional>
#include <thread>

#include "admin_client.hpp"
#include "cluster/cluster_catalog.hpp"
#include "eventually.hpp"
#include "gateway_fixture.hpp"
#include "hookd/engine/sha256.hpp"
#include "redis_server.hpp"
#include "test_timeouts.hpp"

namespace hookd::test {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

using hookd::test::eventually;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class ClusterNodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Before any thread of the gateway logs: the sink list is not safe to
    // change while another thread writes through it.
    spdlog::default_logger()->sinks().push_back(log_);
    redis_ = host::test::RedisServer::start();
    ASSERT_NE(redis_, nullptr);
    data_dir_ = fresh_dir("cluster-node");
    auto c = test_config(data_dir_);
    c.server.load_example_plugins = false;
    c.plugins.push_back(plugin_entry("echo", "echo"));
    c.kv.backend = config::KvBackend::redis;
    c.kv.redis.address = {"127.0.0.1", redis_->port()};
    c.kv.redis.connect_timeout = 200ms;
    c.kv.redis.command_timeout = 300ms;
    c.cluster.enabled = true;
    c.cluster.node_id = "n1";
    c.cluster.heartbeat_interval = 50ms;
    c.cluster.node_ttl = 10s;
    c.cluster.sync_timeout = 10s;
    gateway_ = start_gateway(std::move(c));
    ASSERT_NE(gateway_, nullptr);
    options_.port = redis_->port();
    options_.connect_timeout = 200ms;
    options_.command_timeout = 1000ms;
    pool_ = std::make_unique<host::detail::RedisPool>(options_);
    // The same catalog the node reads: the default key prefix.
    catalog_ =
        std::make_unique<server::cluster::ClusterCatalog>(*pool_, config::ClusterConfig{}.key_prefix, 100);
  }
  void TearDown() override {
    gateway_.reset();
    auto& sinks = spdlog::default_logger()->sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), log_), sinks.end());
    std::filesystem::remove_all(data_dir_);
  }

  // This node's entry in GET /admin/cluster; null while it cannot be read.
  json::value status() {
    auto r = AdminClient(gateway_->admin_port(), "test-token").send(http::verb::get, "/admin/cluster");
    if (r.result_int() != 200) return nullptr;
    const json::value all = json::parse(r.body());
    for (const auto& n : all.at("nodes").as_array()) {
      if (n.at("id") == "n1") return n;
    }
    return nullptr;
  }
  std::string echo(const std::string& body) {
    return HttpClient(gateway_->port()).post("/plugins/echo/echo", body).body();
  }

  // What the gateway logged (the follower's errors).
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> log_ =
      std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(1000);
  std::unique_ptr<host::test::RedisServer> redis_;
  std::filesystem::path data_dir_;
  std::unique_ptr<server::Gateway> gateway_;
  host::RedisKvOptions options_;
  std::unique_ptr<host::detail::RedisPool> pool_;
  std::unique_ptr<server::cluster::ClusterCatalog> catalog_;
};

TEST_F(ClusterNodeTest, ACatalogVersionOfAPinnedPluginIsRefusedWithATimestampedErrorClearedWhenItLeaves) {
  const int64_t before = now_ms();
  const std::string other = plugin_bytes("version_b");
  const std::vector<uint8_t> wasm(other.begin(), other.end());
  ASSERT_TRUE(catalog_->put("echo", wasm, engine::sha256_hex(wasm), "{}").has_value());

  json::value s;
  ASSERT_TRUE(eventually([&] {
    s = status();
    return s.is_object() && s.at("last_error").is_string();
  })) << "no last_error reported";
  EXPECT_NE(std::string(s.at("last_error").as_string()).find("config file pins echo"), std::string::npos)
      << s;
  ASSERT_TRUE(s.at("last_error_at_ms").is_int64()) << s;
  EXPECT_GE(s.at("last_error_at_ms").as_int64(), before);
  EXPECT_LE(s.at("last_error_at_ms").as_int64(), now_ms());
  EXPECT_EQ(echo("still the config file's"), "still the config file's");

  // The catalog deleting that name leaves the node's own plugin alone, and
  // the error is gone with its cause.
  ASSERT_TRUE(catalog_->remove("echo").has_value());
  ASSERT_TRUE(eventually([&] {
    s = status();
    return s.is_object() && s.at("last_error").is_null();
  })) << s;
  EXPECT_TRUE(s.at("last_error_at_ms").is_null());
  EXPECT_EQ(echo("kept"), "kept");
}

TEST_F(ClusterNodeTest, ARedisErrorIsClearedOnceRedisAnswersAgain) {
  auto logged_redis_error = [&] {
    for (const auto& line : log_->last_formatted()) {
      if (line.find("[error]") != std::string::npos && line.find("cluster: ") != std::string::npos &&
          line.find("Redis") != std::string::npos)
        return true;
    }
    return false;
  };
  ASSERT_TRUE(eventually([&] { return status().is_object(); }));
  redis_->pause();
  const bool recorded = eventually(logged_redis_error);
  redis_->resume();
  ASSERT_TRUE(recorded) << "the follower recorded no error while Redis was paused";
  json::value s;
  EXPECT_TRUE(eventually([&] {
    s = status();
    return s.is_object() && s.at("last_error").is_null();
  })) << "last_error was not cleared after Redis came back: "
      << s;
  EXPECT_EQ(echo("serving"), "serving");
}

}  // namespace
}  // namespace hookd::test
