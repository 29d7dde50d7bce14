// KV through the gateway: the counter example on the embedded LMDB store in
// the data dir, granted per plugin in the config, surviving a restart.
#include <gtest/gtest.h>

#include "gateway_fixture.hpp"
#include "http_client.hpp"

namespace hookd::test {
namespace {

config::Config counter_config(const std::filesystem::path& dir) {
  auto c = test_config(dir);
  c.kv.backend = config::KvBackend::lmdb;
  c.kv.map_size_mb = 64;
  auto counter = plugin_entry("counter", "counter");
  counter.settings.grants.kv = config::KvGrant{"", config::KvMode::read_write};
  c.plugins.push_back(counter);
  c.plugins.push_back(plugin_entry("nogrant", "counter"));
  auto greeter = plugin_entry("greeter", "greeter");
  greeter.settings.config["greeting"] = "Hi";
  greeter.settings.grants.config = true;
  c.plugins.push_back(greeter);
  return c;
}

TEST(GatewayKv, CounterPersistsAcrossRestartsInTheDataDir) {
  const auto dir = fresh_dir("kv");
  {
    auto g = start_gateway(counter_config(dir));
    ASSERT_NE(g, nullptr);
    HttpClient c(g->port());
    for (int i = 1; i <= 5; ++i) EXPECT_EQ(c.post("/plugins/counter/incr", "").body(), std::to_string(i));
    EXPECT_EQ(c.post("/plugins/counter/incr", "10").body(), "15");
    EXPECT_EQ(c.post("/plugins/counter/incr", "x").result_int(), 400);
  }
  EXPECT_TRUE(std::filesystem::exists(dir / "kv"));
  auto g = start_gateway(counter_config(dir));
  ASSERT_NE(g, nullptr);
  HttpClient c(g->port());
  EXPECT_EQ(c.post("/plugins/counter/get", "").body(), "15");
}

TEST(GatewayKv, UngrantedPluginGetsTheErrorAsAResponse) {
  auto g = start_gateway(counter_config(fresh_dir("kv")));
  ASSERT_NE(g, nullptr);
  HttpClient c(g->port());
  auto r = c.post("/plugins/nogrant/incr", "");
  EXPECT_EQ(r.result_int(), 503);  // the status the counter plugin chooses for KV failures
  EXPECT_NE(r.body().find("kv is not granted to plugin nogrant"), std::string::npos) << r.body();
  EXPECT_EQ(c.post("/plugins/greeter/greet", "Ada").body(), "Hi, Ada!");
}

}  // namespace
}  // namespace hookd::test
