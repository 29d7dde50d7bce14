// Fair share of the I/O workers: a plugin whose calls spin until their
// deadline may occupy at most max_worker_share of the workers, so other
// plugins keep being served; its excess calls wait briefly, then get 503
// with Retry-After. A fast plugin on every worker is not refused.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <boost/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "gateway_fixture.hpp"
#include "http_client.hpp"

namespace hookd::test {
namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kSpinDeadline = std::chrono::milliseconds(300);

// Status codes the spinning clients saw, for the failure messages.
struct StatusCounts {
  std::array<std::atomic<int>, 600> n{};
  void add(unsigned status) { ++n[status < n.size() ? status : 0]; }
  std::string str() const {
    std::string s;
    for (size_t i = 0; i < n.size(); ++i) {
      if (n[i].load() > 0) s += " " + std::to_string(i) + "x" + std::to_string(n[i].load());
    }
    return s.empty() ? " none" : s;
  }
};

TEST(WorkerShare, ASpinningPluginLeavesAWorkerForOthersAndItsExcessCallsGet503) {
  auto c = test_config(fresh_dir("share"));
  c.server.workers = 2;  // max_worker_share 50 (the default): one worker
  auto spin = plugin_entry("spinner", "loop");
  spin.settings.limits.deadline = kSpinDeadline;
  c.plugins.push_back(spin);
  c.plugins.push_back(plugin_entry("echo", "echo"));
  auto g = start_gateway(std::move(c));
  ASSERT_NE(g, nullptr);

  // Several clients keep the spinning plugin saturated, each call on a new
  // connection: the kernel spreads connections over the workers' listeners
  // by a hash, and four kept connections all land on one worker one time in
  // eight (which holds the plugin to one worker by itself, and nothing is
  // ever refused).
  std::atomic<bool> stop{false};
  std::atomic<int> timeouts{0};
  std::atomic<int> refused{0};
  std::atomic<int> refused_well{0};  // with Retry-After and a JSON error naming the plugin
  StatusCounts seen;
  std::vector<std::thread> spinners;
  for (int i = 0; i < 4; ++i) {
    spinners.emplace_back([&] {
      try {
        while (!stop.load()) {
          HttpClient client(g->port());
          auto r = client.post("/plugins/spinner/spin", "x");
          seen.add(r.result_int());
          if (r.result_int() == 504) ++timeouts;
          if (r.result_int() != 503) continue;
          ++refused;
          auto body = boost::json::parse(r.body());
          const auto* plugin = body.as_object().if_contains("plugin");
          if (!r["Retry-After"].empty() && plugin && plugin->is_string() &&
              plugin->get_string() == "spinner") {
            ++refused_well;
          }
        }
      } catch (const std::exception& e) {
        ADD_FAILURE() << "spinning client: " << e.what();
      }
    });
  }
  const auto saturated_by = Clock::now() + kWaitBound;
  while (timeouts.load() == 0 && Clock::now() < saturated_by)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_GT(timeouts.load(), 0) << "the spinning plugin never ran; statuses:" << seen.str();

  // Echo on fresh connections: those that land on the worker the spinning
  // plugin does not hold answer at once (on the old code both workers were
  // spinning, and every echo waited for a spinning call to end).
  int prompt = 0;
  for (int i = 0; i < 30; ++i) {
    HttpClient client(g->port());
    const auto t0 = Clock::now();
    auto r = client.post("/plugins/echo/echo", "ping");
    EXPECT_EQ(r.result_int(), 200);
    EXPECT_EQ(r.body(), "ping");
    if (Clock::now() - t0 < kSpinDeadline / 2) ++prompt;  // generous: CI runs tests two at a time
  }
  stop = true;
  for (auto& t : spinners) t.join();

  EXPECT_GE(prompt, 5) << "echo waited behind the spinning plugin on every worker; spinner statuses:"
                       << seen.str();
  EXPECT_GT(refused.load(), 0) << "the spinning plugin was never held to its share; statuses:" << seen.str();
  EXPECT_EQ(refused_well.load(), refused.load());
}

TEST(WorkerShare, AFastPluginCalledOnEveryWorkerAtOnceIsNeverRefused) {
  auto c = test_config(fresh_dir("share-fast"));
  c.server.workers = 2;
  c.plugins.push_back(plugin_entry("echo", "echo"));
  auto g = start_gateway(std::move(c));
  ASSERT_NE(g, nullptr);

  std::atomic<int> not_ok{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 8; ++i) {
    clients.emplace_back([&] {
      try {
        HttpClient client(g->port());
        for (int n = 0; n < 300; ++n) {
          if (client.post("/plugins/echo/echo", "ping").result_int() != 200) ++not_ok;
        }
      } catch (const std::exception& e) {
        ADD_FAILURE() << "echo client: " << e.what();
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(not_ok.load(), 0);
}

}  // namespace
}  // namespace hookd::test
