// A plugin waiting on a slow upstream (fetch) must not stall other plugins:
// it runs in the blocking lane, so echo requests on every I/O worker are
// answered while the fetch is still pending.
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <condition_variable>
#include <set>
#include <thread>

#include "gateway_fixture.hpp"
#include "http_client.hpp"
#include "ws_client.hpp"

namespace hookd::test {
namespace {

namespace asio = boost::asio;

// An upstream that answers one request only when the test releases it.
class GatedUpstream {
 public:
  GatedUpstream() : acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
    thread_ = std::thread([this] { serve(); });
  }
  ~GatedUpstream() {
    release();
    boost::system::error_code ec;
    acceptor_.close(ec);
    thread_.join();
  }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  bool wait_for_request(std::chrono::seconds limit) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, limit, [this] { return got_request_; });
  }
  void release() {
    std::lock_guard lock(mu_);
    released_ = true;
    cv_.notify_all();
  }
  // Whether the held request has been answered (released, or given up on).
  bool answered() const { return answered_.load(); }

 private:
  void serve() {
    boost::system::error_code ec;
    asio::ip::tcp::socket s(io_);
    acceptor_.accept(s, ec);
    if (ec) return;
    asio::streambuf buf;
    asio::read_until(s, buf, "\r\n\r\n", ec);
    {
      std::unique_lock lock(mu_);
      got_request_ = true;
      cv_.notify_all();
      cv_.wait_for(lock, std::chrono::seconds(20), [this] { return released_; });
    }
    answered_ = true;
    const std::string reply =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 10\r\nConnection: close\r\n\r\n"
        "{\"slow\":1}";
    asio::write(s, asio::buffer(reply), ec);
  }

  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool got_request_ = false;
  bool released_ = false;
  std::atomic<bool> answered_{false};
};

// fetchproxy granted `origin` and pointed at its /slow, with a deadline far
// beyond how long a test holds the upstream.
config::PluginConfig slow_proxy(const std::string& origin) {
  auto proxy = plugin_entry("fetchproxy", "fetchproxy");
  proxy.settings.config["upstream"] = origin + "/slow";
  proxy.settings.grants.config = true;
  proxy.settings.grants.fetch.push_back(*config::FetchPattern::parse(origin));
  proxy.settings.limits.deadline = std::chrono::milliseconds(30000);
  return proxy;
}

TEST(BlockingLane, EchoIsServedOnEveryWorkerWhileAFetchWaits) {
  GatedUpstream upstream;
  const std::string origin = "http://127.0.0.1:" + std::to_string(upstream.port());
  auto c = test_config(fresh_dir("lane"));
  c.plugins.push_back(plugin_entry("echo", "echo"));
  c.plugins.push_back(slow_proxy(origin));
  auto g = start_gateway(std::move(c));
  ASSERT_NE(g, nullptr);

  std::optional<Response> slow;
  std::atomic<bool> slow_done{false};
  std::thread caller([&] {
    HttpClient client(g->port());
    slow = client.post("/plugins/fetchproxy/get", "");
    slow_done = true;
  });
  ASSERT_TRUE(upstream.wait_for_request(std::chrono::seconds(10)));

  // While the upstream holds the fetch, echo answers on connections that land
  // on both I/O workers (their request ids carry a per-worker prefix).
  std::set<std::string> workers_seen;
  for (int i = 0; i < 40 && workers_seen.size() < 2; ++i) {
    HttpClient client(g->port());
    auto r = client.post("/plugins/echo/echo", "ping");
    ASSERT_EQ(r.body(), "ping");
    std::string id(r["X-Request-Id"]);
    workers_seen.insert(id.substr(0, id.find('-')));
  }
  EXPECT_EQ(workers_seen.size(), 2u);
  EXPECT_FALSE(slow_done.load()) << "the fetch finished before the upstream was released";

  upstream.release();
  caller.join();
  ASSERT_TRUE(slow.has_value());
  EXPECT_EQ(slow->result_int(), 200);
  EXPECT_EQ(slow->body(), R"({"upstream_status":200,"data":{"slow":1}})");
}

// The lane is one queue: a short call submitted after a slow one runs on an
// idle lane thread at once (it used to be handed round-robin to a thread's
// own queue, where every other call waited behind the slow fetch).
TEST(BlockingLane, AShortCallDoesNotWaitBehindASlowOneWhileALaneThreadIsIdle) {
  GatedUpstream upstream;
  const std::string origin = "http://127.0.0.1:" + std::to_string(upstream.port());
  auto c = test_config(fresh_dir("lane-queue"));
  c.limits.blocking_threads = 2;
  c.plugins.push_back(slow_proxy(origin));
  // Granted fetch, so it runs in the lane, but it never fetches.
  auto quick = plugin_entry("quick", "echo");
  quick.settings.grants.fetch.push_back(*config::FetchPattern::parse(origin));
  c.plugins.push_back(std::move(quick));
  auto g = start_gateway(std::move(c));
  ASSERT_NE(g, nullptr);

  std::thread caller([&] {
    HttpClient client(g->port());
    client.post("/plugins/fetchproxy/get", "");
  });
  EXPECT_TRUE(upstream.wait_for_request(std::chrono::seconds(10)));
  for (int i = 0; i < 6; ++i) {
    try {
      HttpClient client(g->port());
      auto r = client.post("/plugins/quick/echo", "ping");
      EXPECT_EQ(r.result_int(), 200);
      EXPECT_EQ(r.body(), "ping");
    } catch (const std::exception& e) {
      ADD_FAILURE() << "lane call " << i << ": " << e.what();
      break;
    }
    // Answered while the upstream still holds the slow call (it lets go
    // after 20 s on its own): the quick call did not wait behind it.
    EXPECT_FALSE(upstream.answered()) << "lane call " << i << " waited behind the slow one";
  }
  upstream.release();
  caller.join();
}

// hookd_in_flight_requests from /metrics, or -1.
long in_flight(uint16_t port) {
  HttpClient probe(port);
  const std::string body = probe.get("/metrics").body();
  constexpr std::string_view kSample = "\nhookd_in_flight_requests ";
  const auto at = body.find(kSample);
  return at == std::string::npos ? -1 : std::stol(body.substr(at + kSample.size()));
}

TEST(BlockingLane, AWebSocketMessageInTheLaneCountsAsInFlightUntilItsReply) {
  GatedUpstream upstream;
  const std::string origin = "http://127.0.0.1:" + std::to_string(upstream.port());
  auto c = test_config(fresh_dir("lane-ws"));
  c.server.public_metrics = true;  // read on the public port, where it counts as in flight
  c.plugins.push_back(slow_proxy(origin));
  auto g = start_gateway(std::move(c));
  ASSERT_NE(g, nullptr);
  const long idle = in_flight(g->port());  // the /metrics request counts itself
  ASSERT_GE(idle, 1);

  std::optional<std::string> reply;
  std::thread caller([&] {
    WsClient ws(g->port());
    if (ws.connect("/plugins/fetchproxy/get")) return;
    auto r = ws.call("", true);
    if (r) reply = r->data;
  });
  ASSERT_TRUE(upstream.wait_for_request(std::chrono::seconds(10)));
  EXPECT_EQ(in_flight(g->port()), idle + 1);  // the message waiting in the lane
  upstream.release();
  caller.join();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(*reply, R"({"upstream_status":200,"data":{"slow":1}})");
  EXPECT_EQ(in_flight(g->port()), idle);
}

// Each thread instantiates only the plugins it runs: the I/O workers report
// memory for echo (inline) and none for fetchproxy (lane), which only the lane
// threads instantiate; a call to it still works.
TEST(BlockingLane, IoWorkersDoNotInstantiateLanePlugins) {
  GatedUpstream upstream;
  const std::string origin = "http://127.0.0.1:" + std::to_string(upstream.port());
  auto c = test_config(fresh_dir("lane-hosting"));
  c.server.public_metrics = true;
  c.plugins.push_back(plugin_entry("echo", "echo"));
  c.plugins.push_back(slow_proxy(origin));
  auto g = start_gateway(std::move(c));
  ASSERT_NE(g, nullptr);

  // A lane call, and echo on both I/O workers (their request ids carry a
  // per-worker prefix): each worker has now looked at the catalog.
  std::thread releaser([&] {
    if (upstream.wait_for_request(std::chrono::seconds(10))) upstream.release();
  });
  try {
    HttpClient client(g->port());
    auto r = client.post("/plugins/fetchproxy/get", "");
    EXPECT_EQ(r.result_int(), 200) << r.body();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "lane call: " << e.what();
    upstream.release();
  }
  releaser.join();
  std::set<std::string> workers_seen;
  for (int i = 0; i < 40 && workers_seen.size() < 2; ++i) {
    HttpClient client(g->port());
    auto r = client.post("/plugins/echo/echo", "ping");
    ASSERT_EQ(r.body(), "ping");
    std::string id(r["X-Request-Id"]);
    workers_seen.insert(id.substr(0, id.find('-')));
  }
  ASSERT_EQ(workers_seen.size(), 2u);

  // Each worker's sweeper reports its instances' memory about twice a second.
  std::string metrics;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < give_up) {
    HttpClient probe(g->port());
    metrics = probe.get("/metrics").body();
    if (metrics.find(R"(hookd_plugin_memory_bytes{plugin="echo",worker="0"})") != std::string::npos &&
        metrics.find(R"(hookd_plugin_memory_bytes{plugin="echo",worker="1"})") != std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polling a condition, bounded above
  }
  EXPECT_NE(metrics.find(R"(hookd_plugin_memory_bytes{plugin="echo",worker="0"})"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find(R"(hookd_plugin_memory_bytes{plugin="echo",worker="1"})"), std::string::npos)
      << metrics;
  EXPECT_EQ(metrics.find(R"(hookd_plugin_memory_bytes{plugin="fetchproxy")"), std::string::npos) << metrics;
}

// Shutdown order: calls queued for the lane own their sessions, whose
// destructors reach the I/O worker that accepted them. Stopping the gateway
// with one lane call running and more queued (HTTP and WebSocket) ends them
// all while those workers still exist. Meant for AddressSanitizer too
// (scripts/asan-build.sh server_tests), where a wrong order is a
// use-after-free.
TEST(BlockingLane, StoppingWithLaneCallsRunningAndQueuedEndsThemBeforeTheWorkers) {
  GatedUpstream upstream;
  const std::string origin = "http://127.0.0.1:" + std::to_string(upstream.port());
  auto c = test_config(fresh_dir("lane-stop"));
  c.server.public_metrics = true;
  c.limits.blocking_threads = 1;
  auto proxy = slow_proxy(origin);
  // The running call ends on its own soon after the stop (the upstream holds
  // it until released, and nothing releases it before the gateway is gone).
  proxy.settings.limits.deadline = std::chrono::milliseconds(1500);
  c.plugins.push_back(proxy);
  auto g = start_gateway(std::move(c));
  ASSERT_NE(g, nullptr);
  const uint16_t port = g->port();
  const long idle = in_flight(port);
  ASSERT_GE(idle, 1);

  std::atomic<int> ended{0};
  std::vector<std::thread> callers;
  auto http_call = [&] {
    try {
      HttpClient client(port);
      client.post("/plugins/fetchproxy/get", "");
    } catch (const std::exception&) {
      // The connection closes under the call: expected.
    }
    ++ended;
  };
  callers.emplace_back(http_call);
  // No ASSERT while callers run: whatever fails, the gateway is stopped and
  // the callers joined below.
  EXPECT_TRUE(upstream.wait_for_request(std::chrono::seconds(10)));
  callers.emplace_back(http_call);
  callers.emplace_back(http_call);
  callers.emplace_back([&] {
    WsClient ws(port);
    if (!ws.connect("/plugins/fetchproxy/get")) (void)ws.call("", false);
    ++ended;
  });
  // Every call is in: one running in the lane, three queued behind it.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  long now = 0;
  while ((now = in_flight(port)) < idle + 4 && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling a condition, bounded above
  }
  EXPECT_EQ(now, idle + 4);

  g.reset();  // stops and destroys the gateway with all four pending
  for (auto& t : callers) t.join();
  EXPECT_EQ(ended.load(), 4);
}

}  // namespace
}  // namespace hookd::test
