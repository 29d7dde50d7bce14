// [cluster]: off by default, every key checked, and the settings it needs
// elsewhere (a Redis KV backend, a TTL longer than the heartbeat).
#include "test_helpers.hpp"

namespace hookd::config {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using testing::errors_of;
using ::testing::HasSubstr;
using testing::parse_ok;
using testing::printed;

TEST(ClusterConfig, OffByDefault) {
  const Config config = defaults();
  EXPECT_FALSE(config.cluster.enabled);
  EXPECT_EQ(config.cluster.key_prefix, "main");
}

TEST(ClusterConfig, ReadsEveryKey) {
  const Config config = parse_ok(
      "[kv]\nbackend = \"redis\"\n[cluster]\nenabled = true\nnode_id = \"node-1.a:b\"\n"
      "advertise = \"10.0.0.1:8080\"\nkey_prefix = \"blue\"\nheartbeat_ms = 250\nnode_ttl_ms = 1000\n"
      "log_max_entries = 500\nsync_timeout_ms = 2000\n");
  EXPECT_TRUE(config.cluster.enabled);
  EXPECT_EQ(config.cluster.node_id, "node-1.a:b");
  EXPECT_EQ(config.cluster.advertise, "10.0.0.1:8080");
  EXPECT_EQ(config.cluster.key_prefix, "blue");
  EXPECT_EQ(config.cluster.heartbeat_interval, 250ms);
  EXPECT_EQ(config.cluster.node_ttl, 1000ms);
  EXPECT_EQ(config.cluster.log_max_entries, 500u);
  EXPECT_EQ(config.cluster.sync_timeout, 2000ms);
  EXPECT_TRUE(validate(config).empty());
}

TEST(ClusterConfig, BadValuesAndUnknownKeysAreErrors) {
  EXPECT_THAT(errors_of("[cluster]\nnode_id = \"a b\"\n"),
              ElementsAre(HasSubstr("hookd.toml:2: cluster.node_id: must be made of A-Z a-z 0-9 _ . : -")));
  EXPECT_THAT(errors_of("[cluster]\nkey_prefix = \"\"\n"),
              ElementsAre(HasSubstr("hookd.toml:2: cluster.key_prefix: must not be empty")));
  EXPECT_THAT(errors_of("[cluster]\nheartbeat_ms = 0\n"),
              ElementsAre(HasSubstr("hookd.toml:2: cluster.heartbeat_ms: expected an integer between 10")));
  EXPECT_THAT(errors_of("[cluster]\nenable = true\n"),
              ElementsAre(HasSubstr("unknown key 'cluster.enable'")));
}

TEST(ClusterConfig, NeedsTheRedisBackend) {
  const Config config = parse_ok("[cluster]\nenabled = true\n");
  EXPECT_THAT(printed(validate(config)),
              ElementsAre(HasSubstr("cluster.enabled: cluster mode needs kv.backend = \"redis\"")));
}

TEST(ClusterConfig, TtlMustExceedTheHeartbeat) {
  const Config config = parse_ok(
      "[kv]\nbackend = \"redis\"\n[cluster]\nenabled = true\nheartbeat_ms = 1000\nnode_ttl_ms = 1000\n");
  EXPECT_THAT(
      printed(validate(config)),
      ElementsAre(HasSubstr("cluster.node_ttl_ms: must be longer than cluster.heartbeat_ms (1000 ms)")));
}

}  // namespace
}  // namespace hookd::config
