// Plugin loads are bounded and off the admin thread: an upload whose start
// function or hookd_init never returns is answered 504 at the plugin's
// deadline, other admin requests are answered meanwhile, and stopping the
// gateway during such a load returns promptly. A plugin that exhausts its
// worker's engine heap gets 503 and the worker serves again.
#include <gtest/gtest.h>

#include <future>

#include "admin_client.hpp"
#include "gateway_fixture.hpp"
#include "http_client.hpp"
#include "wasm_builder.hpp"

namespace hookd::test {
namespace {

using std::chrono::seconds;

config::Config bounds_config(const std::filesystem::path& data_dir) {
  auto c = test_config(data_dir);
  c.server.load_example_plugins = false;
  c.plugins.push_back(plugin_entry("echo", "echo"));
  return c;
}

std::string as_string(const Bytes& b) { return {b.begin(), b.end()}; }

std::string endless_start_plugin() {
  MiniPlugin p;
  p.start_loops = true;
  return as_string(p.build());
}

class PluginLoadBounds : public ::testing::Test {
 protected:
  void SetUp() override { data_dir_ = fresh_dir("loadbounds"); }
  void TearDown() override {
    gateway_.reset();
    std::filesystem::remove_all(data_dir_);
  }
  void start(config::Config c) {
    gateway_ = start_gateway(std::move(c));
    ASSERT_NE(gateway_, nullptr);
  }
  AdminClient admin() { return AdminClient(gateway_->admin_port(), "test-token"); }

  // PUTs on its own connection and thread; the future holds the status (or
  // -1 when the connection failed).
  std::future<std::pair<int, std::string>> put_async(const std::string& name, std::string wasm,
                                                     const std::string& settings) {
    const uint16_t port = gateway_->admin_port();
    return std::async(std::launch::async, [port, name, wasm = std::move(wasm), settings] {
      try {
        AdminClient client(port, "test-token");
        auto r = client.put(name, wasm, {{"X-Hookd-Settings", settings}});
        return std::make_pair(static_cast<int>(r.result_int()), std::string(r.body()));
      } catch (const std::exception& e) {
        return std::make_pair(-1, std::string(e.what()));
      }
    });
  }

  std::filesystem::path data_dir_;
  std::unique_ptr<server::Gateway> gateway_;
};

TEST_F(PluginLoadBounds, EndlessStartFunctionIs504WhileOtherAdminRequestsAreServed) {
  start(bounds_config(data_dir_));
  auto put = put_async("spinner", endless_start_plugin(), R"({"deadline_ms":3000})");
  // Admin requests on the same listener are answered during the load.
  auto listed = std::async(std::launch::async, [this] { return admin().list().result_int(); });
  ASSERT_EQ(listed.wait_for(seconds(20)), std::future_status::ready);
  EXPECT_EQ(listed.get(), 200);
  EXPECT_EQ(admin().show("echo").result_int(), 200);
  EXPECT_EQ(put.wait_for(seconds(0)), std::future_status::timeout);  // those came back first

  ASSERT_EQ(put.wait_for(seconds(60)), std::future_status::ready);
  auto [status, body] = put.get();
  EXPECT_EQ(status, 504) << body;
  EXPECT_NE(body.find("deadline of 3000 ms"), std::string::npos) << body;
  EXPECT_NE(body.find("start function"), std::string::npos) << body;
  EXPECT_EQ(admin().show("spinner").result_int(), 404);
  HttpClient client(gateway_->port());
  EXPECT_EQ(client.post("/plugins/echo/echo", "still here").body(), "still here");
}

TEST_F(PluginLoadBounds, EndlessHookdInitIs504) {
  start(bounds_config(data_dir_));
  auto put = put_async("initloop", plugin_bytes("initloop"), R"({"deadline_ms":200})");
  ASSERT_EQ(put.wait_for(seconds(60)), std::future_status::ready);
  auto [status, body] = put.get();
  EXPECT_EQ(status, 504) << body;
  EXPECT_NE(body.find("deadline of 200 ms"), std::string::npos) << body;
}

TEST_F(PluginLoadBounds, StopReturnsPromptlyDuringAnEndlessLoad) {
  start(bounds_config(data_dir_));
  auto put = put_async("spinner", endless_start_plugin(), R"({"deadline_ms":600000})");
  // Once another request has made the round trip, the upload is (almost
  // certainly) being loaded; stop() must not wait for its ten minutes.
  EXPECT_EQ(admin().list().result_int(), 200);
  const auto begin = std::chrono::steady_clock::now();
  // Destroyed, not only stopped: a stopped gateway still holds the admin
  // connection of a PUT it never read (when stop() won the race with it).
  gateway_.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - begin, seconds(20));
  ASSERT_EQ(put.wait_for(seconds(30)), std::future_status::ready);
  EXPECT_NE(put.get().first, 201);
}

// hookd_call grows each of 16 tables to the default cap of 100k elements:
// 12.8 MB of engine heap, over the 8 MiB the test gives each isolate.
std::string heap_hog_plugin() {
  MiniPlugin p;
  p.tables.assign(16, MiniPlugin::Table{});
  Bytes body;
  for (uint32_t t = 0; t < 16; ++t) body = cat({body, table_grow(t, 100'000), {0x1a}});
  p.call_body = cat({body, i32_const(0), kEnd});
  return as_string(p.build());
}

TEST_F(PluginLoadBounds, EngineHeapExhaustionIs503AndTheWorkerServesAgain) {
  auto c = bounds_config(data_dir_);
  c.server.workers = 1;
  c.limits.isolate_heap_mb = 8;
  start(std::move(c));
  auto put = admin().put("heaphog", heap_hog_plugin());
  ASSERT_EQ(put.result_int(), 201) << put.body();

  HttpClient client(gateway_->port());
  for (int round = 0; round < 2; ++round) {
    auto hog = client.post("/plugins/heaphog/ok", "");
    EXPECT_EQ(hog.result_int(), 503) << hog.body();
    EXPECT_NE(hog.body().find("heap limit"), std::string::npos) << hog.body();
    // The same worker (there is one) rebuilt its engine and serves.
    auto echo = client.post("/plugins/echo/echo", "alive");
    EXPECT_EQ(echo.result_int(), 200);
    EXPECT_EQ(echo.body(), "alive");
  }
}

}  // namespace
}  // namespace hookd::test
