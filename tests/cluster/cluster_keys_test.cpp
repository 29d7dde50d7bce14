// Plugins' KV and the cluster catalog share one Redis: a plugin's namespace
// must never reach a catalog key, whatever namespace and cluster key prefix
// are configured (host/include/hookd/host/redis_keys.hpp). And a catalog
// entry of the wrong shape is skipped: a node meeting one still starts and
// serves the rest.
#include <gtest/gtest.h>

#include <array>
#include <thread>

#include "admin_client.hpp"
#include "cluster/cluster_catalog.hpp"
#include "eventually.hpp"
#include "gateway_fixture.hpp"
#include "hookd/engine/sha256.hpp"
#include "hookd/host/redis_keys.hpp"
#include "hookd/host/redis_kv_store.hpp"
#include "http_client.hpp"
#include "redis_server.hpp"

namespace hookd::test {
namespace {

using namespace std::chrono_literals;
using server::cluster::ClusterCatalog;

std::vector<uint8_t> bytes_of(std::string_view s) { return {s.begin(), s.end()}; }

class ClusterKeys : public ::testing::Test {
 protected:
  void SetUp() override {
    redis_ = host::test::RedisServer::start();
    ASSERT_NE(redis_, nullptr);
    options_.port = redis_->port();
    options_.connect_timeout = 500ms;
    options_.command_timeout = 1000ms;
    options_.pool_size = 2;
    pool_ = std::make_unique<host::detail::RedisPool>(options_);
  }

  void redis(std::initializer_list<std::string_view> args) {
    std::vector<std::string_view> v(args);
    auto r = pool_->command(v, host::detail::Retry::kNo);
    ASSERT_TRUE(r.has_value());
    ASSERT_NE((*r)->type, REDIS_REPLY_ERROR) << std::string((*r)->str, (*r)->len);
  }
  std::vector<std::string> all_keys() {
    const std::array<std::string_view, 2> cmd{"KEYS", "*"};
    auto r = pool_->command(cmd, host::detail::Retry::kNo);
    std::vector<std::string> out;
    if (!r) return out;
    for (size_t i = 0; i < (*r)->elements; ++i)
      out.emplace_back((*r)->element[i]->str, (*r)->element[i]->len);
    return out;
  }

  std::unique_ptr<host::test::RedisServer> redis_;
  host::RedisKvOptions options_;
  std::unique_ptr<host::detail::RedisPool> pool_;
};

// The old layout put the catalog at "<key_prefix>:..." and plugin KV at
// "hookd:<ns>:...", so key_prefix "hookd:prod" and namespace "prod" were one
// key space: the plugin could list and read the catalog, forge entries,
// delete plugins and break every node's start with a value of the wrong type.
TEST_F(ClusterKeys, APluginNamespaceChosenToCollideCannotSeeOrChangeTheCatalog) {
  ClusterCatalog catalog(*pool_, "hookd:prod", 100);
  const auto wasm = bytes_of("module");
  const std::string sha = engine::sha256_hex(wasm);
  ASSERT_TRUE(catalog.put("victim", wasm, sha, "{}").has_value());
  auto before = catalog.snapshot();
  ASSERT_TRUE(before.has_value());

  host::RedisKvStore kv(options_);
  // Every namespace a plugin might pick to line up with the catalog, old or new.
  for (const std::string ns : {"prod", "hookd", "hookd-cluster", "cluster", "hookd-prod"}) {
    SCOPED_TRACE(ns);
    auto listed = kv.list(ns, "", "", 1000);
    ASSERT_TRUE(listed.has_value()) << listed.error().message;
    EXPECT_TRUE(listed->keys.empty()) << (listed->keys.empty() ? "" : listed->keys.front());
    for (const std::string& key :
         std::vector<std::string>{"manifest:victim", "module:" + sha, "plugins", "version", "log",
                                  "prod:manifest:victim", "hookd:prod:manifest:victim", "node:n1"}) {
      auto got = kv.get(ns, key);
      ASSERT_TRUE(got.has_value());
      EXPECT_FALSE(got->has_value()) << key;
      ASSERT_TRUE(kv.set(ns, key, "forged").has_value());  // writes its own key, nothing else
      ASSERT_TRUE(kv.del(ns, key).has_value());
    }
    ASSERT_TRUE(kv.set(ns, "version", "not a number").has_value());
    ASSERT_TRUE(kv.incr(ns, "counter", 1).has_value());
  }
  auto after = catalog.snapshot();
  ASSERT_TRUE(after.has_value()) << after.error().message;
  EXPECT_TRUE(after->malformed.empty());
  EXPECT_EQ(after->version, before->version);
  ASSERT_EQ(after->plugins.size(), 1u);
  EXPECT_EQ(after->plugins[0].name, "victim");
  auto module = catalog.module(sha, 1 << 20);
  ASSERT_TRUE(module.has_value()) << module.error().message;

  // And the layout itself: every key is in exactly one space.
  for (const auto& k : all_keys()) {
    const bool is_kv = k.starts_with(host::kKvKeyTag), is_cluster = k.starts_with(host::kClusterKeyTag);
    EXPECT_TRUE(is_kv != is_cluster) << k;
  }
}

// A node whose catalog holds entries of every malformed kind: each is
// reported and skipped, and the node starts and serves the good plugin.
TEST_F(ClusterKeys, ANodeSkipsMalformedCatalogEntriesAndStillStarts) {
  ClusterCatalog catalog(*pool_, "main", 100);
  auto put = [&](const std::string& name, std::string_view module, const std::string& settings) {
    const auto wasm = bytes_of(module);
    auto c = catalog.put(name, wasm, engine::sha256_hex(wasm), settings);
    ASSERT_TRUE(c.has_value()) << c.error().message;
  };
  const std::string root = host::cluster_key_root("main");
  put("echo", plugin_bytes("echo"), "{}");
  put("badjson", plugin_bytes("counter"), "{not json");
  put("notwasm", "these bytes are not a module", "{}");
  const std::string greeter = plugin_bytes("greeter");
  put("tampered", greeter, "{}");
  redis({"SET", root + "module:" + engine::sha256_hex(bytes_of(greeter)), "tampered"});
  const std::string vowels = plugin_bytes("vowels");
  put("modwrongtype", vowels, "{}");
  const std::string vowels_key = root + "module:" + engine::sha256_hex(bytes_of(vowels));
  redis({"DEL", vowels_key});
  redis({"HSET", vowels_key, "a", "b"});
  redis({"SADD", root + "plugins", "wrongtype", "nofields"});
  redis({"SET", root + "manifest:wrongtype", "a string, not a hash"});
  redis({"HSET", root + "manifest:nofields", "sha256", "x"});

  auto c = test_config(fresh_dir("cluster-malformed"));
  c.server.load_example_plugins = false;
  c.kv.backend = config::KvBackend::redis;
  c.kv.redis.address = {"127.0.0.1", redis_->port()};
  c.kv.redis.connect_timeout = 500ms;
  c.kv.redis.command_timeout = 1000ms;
  c.cluster.enabled = true;
  c.cluster.key_prefix = "main";
  c.cluster.node_id = "n1";
  c.cluster.sync_timeout = 5s;
  auto g = start_gateway(std::move(c));
  ASSERT_NE(g, nullptr) << "a malformed entry kept the node from starting";
  HttpClient client(g->port());
  EXPECT_EQ(client.post("/plugins/echo/echo", "still serving").body(), "still serving");
  AdminClient admin(g->admin_port(), "test-token");
  for (const char* skipped : {"badjson", "notwasm", "tampered", "modwrongtype", "wrongtype", "nofields"}) {
    EXPECT_EQ(admin.show(skipped).result_int(), 404) << skipped;
  }

  // A change the follower meets later, with a manifest of the wrong type:
  // skipped too, and the next good change still applies.
  // Versions 1-5 are the puts above; 6 is the bad change, written as the
  // put script would but with a string for its manifest.
  redis({"SET", root + "manifest:later", "wrong"});
  redis({"INCR", root + "version"});
  redis({"XADD", root + "log", "*", "op", "put", "name", "later", "sha256", "x", "version", "6"});
  const auto misc = bytes_of(plugin_bytes("misc"));
  auto after = catalog.put("after", misc, engine::sha256_hex(misc), "{}");
  ASSERT_TRUE(after.has_value());
  ASSERT_EQ(after->version, 7u);
  EXPECT_TRUE(eventually([&] { return admin.show("after").result_int() == 200; }));
}

}  // namespace
}  // namespace hookd::test
