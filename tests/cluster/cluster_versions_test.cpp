// Plugin versions in cluster mode (docs/releases.md) against a real
// redis-server: two gateways of one cluster list the same versions, a
// rollback made through one is served by both, and a restarted node serves
// the version the catalog says. Plus the catalog's history itself.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "admin_client.hpp"
#include "cluster/cluster_catalog.hpp"
#include "cluster/version_records.hpp"
#include "eventually.hpp"
#include "gateway_fixture.hpp"
#include "hookd/engine/sha256.hpp"
#include "redis_server.hpp"

namespace hookd::test {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

class ClusterVersions : public ::testing::Test {
 protected:
  void SetUp() override {
    redis_ = host::test::RedisServer::start();
    ASSERT_NE(redis_, nullptr);
    for (int i = 0; i < 2; ++i) {
      dirs_[i] = fresh_dir("cluster-versions");
      start_node(i);
    }
  }
  void TearDown() override {
    for (int i = 0; i < 2; ++i) {
      nodes_[i].reset();
      std::filesystem::remove_all(dirs_[i]);
    }
  }
  void start_node(int i) {
    nodes_[i].reset();
    auto c = test_config(dirs_[i]);
    c.server.load_example_plugins = false;
    c.server.keep_versions = 3;
    c.plugins.push_back(plugin_entry("echo", "echo"));
    c.kv.backend = config::KvBackend::redis;
    c.kv.redis.address = {"127.0.0.1", redis_->port()};
    c.kv.redis.connect_timeout = 200ms;
    c.kv.redis.command_timeout = 1000ms;
    c.cluster.enabled = true;
    c.cluster.node_id = "n" + std::to_string(i + 1);
    c.cluster.heartbeat_interval = 50ms;
    c.cluster.node_ttl = 10s;
    c.cluster.sync_timeout = 10s;
    nodes_[i] = start_gateway(std::move(c));
    ASSERT_NE(nodes_[i], nullptr);
  }
  AdminClient admin(int i) { return AdminClient(nodes_[i]->admin_port(), "test-token"); }
  std::string which(int i) {
    auto r = HttpClient(nodes_[i]->port()).post("/plugins/ver/which", "");
    return r.result_int() == 200 ? r.body() : std::to_string(r.result_int());
  }
  json::object listing(int i) {
    auto r = admin(i).send(http::verb::get, "/admin/plugins/ver/versions");
    EXPECT_EQ(r.result_int(), 200) << r.body();
    return r.result_int() == 200 ? json::parse(r.body()).as_object() : json::object{};
  }
  std::vector<uint64_t> numbers(int i) {
    std::vector<uint64_t> out;
    const json::object l = listing(i);
    if (!l.contains("versions")) return out;
    for (const auto& v : l.at("versions").as_array()) out.push_back(v.at("number").to_number<uint64_t>());
    return out;
  }

  std::unique_ptr<host::test::RedisServer> redis_;
  std::filesystem::path dirs_[2];
  std::unique_ptr<server::Gateway> nodes_[2];
};

TEST_F(ClusterVersions, EveryNodeListsTheSameVersionsAndServesARollbackMadeOnAnother) {
  ASSERT_EQ(admin(0).put("ver", plugin_bytes("version_a")).result_int(), 201);
  auto second = admin(0).put("ver", plugin_bytes("version_b"));
  ASSERT_EQ(second.result_int(), 200) << second.body();
  EXPECT_EQ(json::parse(second.body()).at("upload_version").to_number<uint64_t>(), 2u);
  ASSERT_TRUE(eventually([&] { return which(1) == "B"; })) << which(1);
  EXPECT_EQ(json::parse(admin(1).show("ver").body()).at("upload_version").to_number<uint64_t>(), 2u);

  EXPECT_EQ(numbers(0), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(numbers(1), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(listing(1).at("serving").to_number<uint64_t>(), 2u);
  const std::string a = plugin_bytes("version_a");
  const auto v1 = listing(1).at("versions").as_array().at(0);
  EXPECT_EQ(v1.at("sha256").as_string(),
            engine::sha256_hex({reinterpret_cast<const uint8_t*>(a.data()), a.size()}));
  EXPECT_EQ(v1.at("created_by").as_string(), "127.0.0.1");
  EXPECT_EQ(admin(1).send(http::verb::get, "/admin/plugins/ver/versions/1/module").body(), a);

  // A rollback through node 2: node 2 answers once it serves it, node 1 follows.
  auto r = admin(1).send(http::verb::post, "/admin/plugins/ver/rollback", R"({"version": 1})");
  ASSERT_EQ(r.result_int(), 200) << r.body();
  EXPECT_EQ(which(1), "A");
  ASSERT_TRUE(eventually([&] { return which(0) == "A"; })) << which(0);
  EXPECT_EQ(listing(0).at("serving").to_number<uint64_t>(), 1u);
  EXPECT_EQ(json::parse(admin(0).show("ver").body()).at("upload_version").to_number<uint64_t>(), 1u);
  EXPECT_EQ(admin(0).send(http::verb::post, "/admin/plugins/ver/rollback", R"({"version": 1})").result_int(),
            409);

  // Pruning beyond server.keep_versions (3), and numbers go on.
  ASSERT_EQ(admin(0)
                .put("ver", plugin_bytes("version_b"), {{"X-Hookd-Settings", R"({"config":{"v":"300"}})"}})
                .result_int(),
            200);
  ASSERT_EQ(admin(0)
                .put("ver", plugin_bytes("version_a"), {{"X-Hookd-Settings", R"({"config":{"v":"400"}})"}})
                .result_int(),
            200);
  EXPECT_EQ(numbers(1), (std::vector<uint64_t>{2, 3, 4}));
  auto pruned = admin(1).send(http::verb::post, "/admin/plugins/ver/rollback", R"({"version": 1})");
  EXPECT_EQ(pruned.result_int(), 404) << pruned.body();

  // A restarted node serves what the catalog says, and lists the same.
  start_node(1);
  EXPECT_EQ(which(1), "A");
  EXPECT_EQ(listing(1).at("serving").to_number<uint64_t>(), 4u);

  // Deleting the plugin deletes its versions in the catalog.
  ASSERT_EQ(admin(0).remove("ver").result_int(), 204);
  EXPECT_EQ(admin(1).send(http::verb::get, "/admin/plugins/ver/versions").result_int(), 404);
  ASSERT_TRUE(eventually([&] { return which(1) == "404"; })) << which(1);
  ASSERT_EQ(admin(1).put("ver", plugin_bytes("version_a")).result_int(), 201);
  EXPECT_EQ(numbers(0), (std::vector<uint64_t>{1}));
}

TEST_F(ClusterVersions, AConfigFilePluginIsPinnedAndAnUnknownPluginIs404) {
  auto pinned = admin(0).send(http::verb::post, "/admin/plugins/echo/rollback", R"({"version": 1})");
  EXPECT_EQ(pinned.result_int(), 409) << pinned.body();
  auto unknown = admin(0).send(http::verb::get, "/admin/plugins/nope/versions");
  EXPECT_EQ(unknown.result_int(), 404) << unknown.body();
}

TEST(ClusterVersionRecords, ARecordRoundTripsAndABadOneIsLeftOut) {
  server::VersionInfo info{.number = 0,
                           .sha256 = std::string(64, 'a'),
                           .size = 42,
                           .created_ms = 1'700'000'000'000,
                           .created_by = "10.0.0.1",
                           .abi = "hookd"};
  const auto parsed =
      server::cluster::parse_history({{"last", "7"},
                                      {"serving", "6"},
                                      {"v:6", server::cluster::version_record_json(info, "{}")},
                                      {"v:5", "not json"},
                                      {"v:x", "{}"}});
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->history.next, 8u);
  EXPECT_EQ(parsed->history.serving, 6u);
  ASSERT_EQ(parsed->history.versions.size(), 1u);
  EXPECT_EQ(parsed->history.versions[0].number, 6u);
  EXPECT_EQ(parsed->history.versions[0].size, 42u);
  EXPECT_EQ(parsed->history.versions[0].created_by, "10.0.0.1");
  EXPECT_EQ(parsed->settings_json.at(6), "{}");
  EXPECT_FALSE(server::cluster::parse_history({}).has_value());
}

}  // namespace
}  // namespace hookd::test
