// Hot replacement under load: clients keep calling a plugin while the admin
// API swaps its version back and forth; no request may fail or see anything
// but a whole version. Once with two native builds, once with a native and
// an Extism build (the plugin's ABI changes between two requests).
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <mutex>
#include <thread>

#include "admin_client.hpp"
#include "gateway_fixture.hpp"
#include "hookd/engine/sha256.hpp"
#include "http_client.hpp"

namespace hookd::test {
namespace {

constexpr int kClients = 4;
constexpr int kReplacements = 50;
constexpr int kRequestsPerConnection = 25;  // then a new connection
constexpr auto kTimeLimit = std::chrono::seconds(60);

struct ClientTally {
  uint64_t requests = 0;
  uint64_t saw_a = 0;
  uint64_t saw_b = 0;
  std::vector<std::string> failures;  // the first few
};

void record_failure(ClientTally& t, std::string what) {
  if (t.failures.size() < 5) t.failures.push_back(std::move(what));
}

// Calls /plugins/ver/which until `stop`, opening a new connection now and then.
void run_client(uint16_t port, const std::atomic<bool>& stop, ClientTally& t) {
  while (!stop.load()) {
    try {
      HttpClient c(port);
      for (int i = 0; i < kRequestsPerConnection && !stop.load(); ++i) {
        auto r = c.post("/plugins/ver/which", "");
        ++t.requests;
        if (r.result_int() == 200 && r.body() == "A") {
          ++t.saw_a;
        } else if (r.result_int() == 200 && r.body() == "B") {
          ++t.saw_b;
        } else {
          record_failure(t, std::to_string(r.result_int()) + " " + r.body());
        }
      }
    } catch (const std::exception& e) {
      ++t.requests;
      record_failure(t, std::string("connection failed: ") + e.what());
    }
  }
}

// Uploads "ver" as version_a (native), then uploads `b_file` and version_a in
// turn, kReplacements times, while kClients clients call ver.which.
void replace_under_load(const std::string& b_file) {
  const auto dir = fresh_dir("hot-replace");
  auto c = test_config(dir);
  c.server.load_example_plugins = false;
  auto gateway = start_gateway(std::move(c));
  ASSERT_NE(gateway, nullptr);
  const std::string wasm[2] = {plugin_bytes(b_file), plugin_bytes("version_a")};
  ASSERT_FALSE(wasm[0].empty());
  ASSERT_FALSE(wasm[1].empty());
  // An upload, not a config-file plugin: those are pinned against uploads.
  AdminClient first(gateway->admin_port(), "test-token");
  ASSERT_EQ(first.put("ver", wasm[1]).result_int(), 201);

  std::atomic<bool> stop{false};
  std::vector<ClientTally> tallies(kClients);
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back(run_client, gateway->port(), std::cref(stop), std::ref(tallies[i]));
  }

  AdminClient admin(gateway->admin_port(), "test-token");
  const auto give_up = std::chrono::steady_clock::now() + kTimeLimit;
  std::vector<std::string> admin_failures;
  int replaced = 0;
  for (; replaced < kReplacements && std::chrono::steady_clock::now() < give_up; ++replaced) {
    auto r = admin.put("ver", wasm[replaced % 2]);
    if (r.result_int() != 200) admin_failures.push_back(std::to_string(r.result_int()) + " " + r.body());
  }
  stop = true;
  for (auto& t : clients) t.join();

  EXPECT_EQ(replaced, kReplacements) << "replacements did not finish within " << kTimeLimit.count() << " s";
  EXPECT_TRUE(admin_failures.empty()) << admin_failures.front();
  ClientTally total;
  for (const auto& t : tallies) {
    total.requests += t.requests;
    total.saw_a += t.saw_a;
    total.saw_b += t.saw_b;
    for (const auto& f : t.failures) record_failure(total, f);
  }
  EXPECT_TRUE(total.failures.empty())
      << total.failures.size() << " kinds of failure, first: " << total.failures.front();
  EXPECT_EQ(total.saw_a + total.saw_b, total.requests);
  EXPECT_GT(total.saw_a, 0u);
  EXPECT_GT(total.saw_b, 0u);

  // The last upload (version_a) is what serves now, and what the admin API lists.
  HttpClient after(gateway->port());
  EXPECT_EQ(after.post("/plugins/ver/which", "").body(), "A");
  auto listed = admin.listed("ver");
  ASSERT_TRUE(listed.is_object());
  EXPECT_EQ(listed.at("sha256").as_string(),
            engine::sha256_hex({reinterpret_cast<const uint8_t*>(wasm[1].data()), wasm[1].size()}));
  gateway.reset();
  std::filesystem::remove_all(dir);
}

TEST(HotReplace, ClientsSeeNoFailureWhileAPluginIsReplacedFiftyTimes) { replace_under_load("version_b"); }

TEST(HotReplace, ClientsSeeNoFailureWhileAPluginSwitchesBetweenNativeAndExtismFiftyTimes) {
  replace_under_load("extism_version_b");
}

}  // namespace
}  // namespace hookd::test
