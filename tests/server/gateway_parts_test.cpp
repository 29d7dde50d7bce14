// The gateway core built from parts the test chooses, without the
// composition root: the in-memory KV store, the fake fetcher, a fixed clock
// and fixed random bytes. It serves real requests on port 0.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "admin_client.hpp"
#include "gateway_fixture.hpp"
#include "hookd/host/fetch_fake.hpp"
#include "hookd/host/memory_kv_store.hpp"
#include "hookd/server/gateway.hpp"
#include "hookd/util/clock.hpp"
#include "hookd/util/random.hpp"
#include "http_client.hpp"

namespace hookd::test {
namespace {

namespace json = boost::json;

// Every random byte is 0xab; the clock stands at 2023-11-14T22:13:20Z.
std::shared_ptr<util::RandomSource> fixed_entropy() { return util::fixed_random({0xab}); }
std::shared_ptr<const util::Clock> fixed_clock() { return std::make_shared<util::ManualClock>(); }

server::PluginFile plugin_file(std::string name, std::string_view file,
                               config::PluginSettings settings = {}) {
  const std::string wasm = plugin_bytes(file);
  return {std::move(name), std::vector<uint8_t>(wasm.begin(), wasm.end()), std::move(settings),
          plugin_path(file)};
}

TEST(GatewayParts, AGatewayFromInMemoryPartsServesKvFetchAndItsAdminApi) {
  auto fetcher = std::make_unique<host::FakeFetcher>();
  host::FakeFetcher& fake = *fetcher;
  fake.respond("http://upstream.test/data",
               {200, {{"Content-Type", "application/json"}}, R"({"fake":true})", ""});

  server::GatewayParts parts;
  parts.vm = engine::create_v8_vm();
  parts.kv = std::make_unique<host::MemoryKvStore>();
  parts.fetcher = std::move(fetcher);
  parts.clock = fixed_clock();
  parts.entropy = fixed_entropy();
  config::PluginSettings counter;
  counter.grants.kv = config::KvGrant{"counter", config::KvMode::read_write};
  parts.plugins.configured.push_back(plugin_file("counter", "counter", counter));
  config::PluginSettings proxy;
  proxy.config["upstream"] = "http://upstream.test/data";
  proxy.grants.config = true;
  proxy.grants.fetch.push_back(*config::FetchPattern::parse("http://upstream.test"));
  parts.plugins.configured.push_back(plugin_file("fetchproxy", "fetchproxy", proxy));

  auto c = test_config(fresh_dir("parts"));
  c.server.admin_token.clear();  // generated from the random source
  auto started = server::Gateway::start(std::move(c), std::move(parts));
  ASSERT_TRUE(started) << started.error().describe();
  server::Gateway& g = **started;

  HttpClient client(g.port());
  EXPECT_EQ(client.post("/plugins/counter/incr", "2").body(), "2");
  EXPECT_EQ(client.post("/plugins/counter/incr", "3").body(), "5");
  auto r = client.post("/plugins/fetchproxy/get", "");
  EXPECT_EQ(r.result_int(), 200) << r.body();
  EXPECT_EQ(r.body(), R"({"upstream_status":200,"data":{"fake":true}})");
  ASSERT_EQ(fake.requests().size(), 1u);

  // The admin token is 32 bytes of the random source, in hex.
  std::string hex;
  for (int i = 0; i < 32; ++i) hex += "ab";
  EXPECT_EQ(g.admin_token(), hex);
  AdminClient admin(g.admin_port(), g.admin_token());
  auto shown = admin.show("counter");
  ASSERT_EQ(shown.result_int(), 200) << shown.body();
  EXPECT_EQ(json::parse(shown.body()).as_object().at("loaded_at").as_string(), "2023-11-14T22:13:20Z");
}

// The gateway's entropy source is every plugin's too: WASI random_get (here
// through wasi-libc's getentropy) returns its bytes, not the system's.
TEST(GatewayParts, PluginsDrawTheirRandomBytesFromTheGatewaysEntropySource) {
  server::GatewayParts parts;
  parts.vm = engine::create_v8_vm();
  parts.kv = std::make_unique<host::MemoryKvStore>();
  parts.clock = fixed_clock();
  parts.entropy = fixed_entropy();
  parts.plugins.configured.push_back(plugin_file("misc", "misc"));
  auto started = server::Gateway::start(test_config(fresh_dir("parts-random")), std::move(parts));
  ASSERT_TRUE(started) << started.error().describe();
  server::Gateway& g = **started;

  HttpClient client(g.port());
  for (int call = 0; call < 2; ++call) {
    auto r = client.post("/plugins/misc/random", "");
    ASSERT_EQ(r.result_int(), 200) << r.body();
    EXPECT_EQ(r.body(), std::string(32, '\xab'));
  }
}

TEST(GatewayParts, AGatewayWithoutAKvStoreIsRefusedWithAClearError) {
  server::GatewayParts parts;
  parts.vm = engine::create_v8_vm();
  parts.clock = fixed_clock();
  parts.entropy = fixed_entropy();
  auto started = server::Gateway::start(test_config(fresh_dir("parts-missing")), std::move(parts));
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().kind, server::ServerErrorKind::kConfig);
  EXPECT_NE(started.error().message.find("KV store"), std::string::npos);
}

}  // namespace
}  // namespace hookd::test
