// The metrics an operator expects on a real /metrics, each read before and
// after doing what it counts: the process collector's (CPU, memory, file
// descriptors, start time), plugin compile and instantiate times, and each
// plugin's KV and fetch host calls (calls, errors, latency, bytes).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstring>
#include <ctime>
#include <map>
#include <optional>
#include <string>
#include <vector>

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

// A sample of a /metrics page: `series` is its name with its labels as
// rendered ("hookd_kv_calls_total{plugin=\"counter\",op=\"incr\"}").
std::optional<double> scraped(const std::string& page, const std::string& series) {
  const std::string at_line = "\n" + series + " ";
  const auto at = page.find(at_line);
  if (at == std::string::npos) return std::nullopt;
  return std::stod(page.substr(at + at_line.size()));
}

std::string scrape(server::Gateway& g, const std::string& token = "test-token") {
  auto r = AdminClient(g.admin_port(), token).send(http::verb::get, "/metrics");
  EXPECT_EQ(r.result_int(), 200);
  return r.body();
}

server::PluginFile metrics_plugin_file(std::string name, std::string_view file,
                                       config::PluginSettings settings) {
  const std::string wasm = plugin_bytes(file);
  return {std::move(name), std::vector<uint8_t>(wasm.begin(), wasm.end()), std::move(settings),
          plugin_path(file)};
}

double thread_cpu_seconds() {
  timespec t{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

TEST(ProcessMetrics, CpuMemoryFdsAndStartTimeFollowWhatTheProcessDoes) {
  auto c = test_config(fresh_dir("process-metrics"));
  c.server.load_example_plugins = false;
  auto g = start_gateway(std::move(c));
  ASSERT_NE(g, nullptr);
  const std::string before = scrape(*g);
  for (const char* name :
       {"process_cpu_seconds_total", "process_resident_memory_bytes", "process_virtual_memory_bytes",
        "process_start_time_seconds", "process_open_fds", "process_max_fds"}) {
    EXPECT_NE(before.find(std::string("# TYPE ") + name + " "), std::string::npos) << name;
  }

  // The gateway runs in this process: what the test does, it sees.
  std::vector<int> fds;
  for (int i = 0; i < 64; ++i) {
    int p[2];
    ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
    fds.insert(fds.end(), {p[0], p[1]});
  }
  constexpr size_t kTouched = 64u << 20;
  std::vector<char> memory(kTouched);
  std::memset(memory.data(), 1, memory.size());
  const double cpu_began = thread_cpu_seconds();
  volatile uint64_t spin = 0;
  while (thread_cpu_seconds() - cpu_began < 0.3) spin = spin + 1;
  const std::string after = scrape(*g);
  for (int fd : fds) ::close(fd);

  EXPECT_GE(*scraped(after, "process_open_fds") - *scraped(before, "process_open_fds"), 128 - 8)
      << "128 pipe ends opened (a few of the scrapes' own sockets may come and go)";
  EXPECT_GE(
      *scraped(after, "process_resident_memory_bytes") - *scraped(before, "process_resident_memory_bytes"),
      static_cast<double>(kTouched) * 3 / 4);
  // Kernel CPU time is counted in clock ticks (10 ms).
  EXPECT_GE(*scraped(after, "process_cpu_seconds_total") - *scraped(before, "process_cpu_seconds_total"),
            0.25);
  rlimit limit{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &limit), 0);
  EXPECT_EQ(*scraped(after, "process_max_fds"), static_cast<double>(limit.rlim_cur));
  const double started = *scraped(after, "process_start_time_seconds");
  const double now = static_cast<double>(std::time(nullptr));
  EXPECT_LE(started, now + 1);
  EXPECT_GT(started, now - 24 * 3600) << "this test process started today";
  EXPECT_EQ(*scraped(before, "process_start_time_seconds"), started);
  EXPECT_GE(spin, 1u);
}

TEST(PluginLoadMetrics, EachLoadIsOneCompileAndOneInstantiatePerWorker) {
  auto c = test_config(fresh_dir("load-metrics"));
  c.server.load_example_plugins = false;
  c.plugins.push_back(plugin_entry("echo", "echo"));
  auto g = start_gateway(std::move(c));
  ASSERT_NE(g, nullptr);
  const std::string before = scrape(*g);
  const auto compiles = scraped(before, R"(hookd_plugin_compile_seconds_count{plugin="echo"})");
  const auto instances = scraped(before, R"(hookd_plugin_instantiate_seconds_count{plugin="echo"})");
  ASSERT_TRUE(compiles) << before;
  ASSERT_TRUE(instances) << before;
  EXPECT_EQ(*compiles, 1);
  EXPECT_EQ(*instances, 2) << "two I/O workers";
  EXPECT_GT(*scraped(before, R"(hookd_plugin_compile_seconds_sum{plugin="echo"})"), 0);
  EXPECT_FALSE(scraped(before, R"(hookd_plugin_compile_seconds_count{plugin="v2"})"));

  AdminClient admin(g->admin_port(), "test-token");
  ASSERT_EQ(admin.put("v2", plugin_bytes("vowels")).result_int() / 100, 2);  // loaded
  const std::string loaded = scrape(*g);
  EXPECT_EQ(*scraped(loaded, R"(hookd_plugin_compile_seconds_count{plugin="v2"})"), 1);
  EXPECT_EQ(*scraped(loaded, R"(hookd_plugin_instantiate_seconds_count{plugin="v2"})"), 2);
  ASSERT_EQ(admin.put("v2", plugin_bytes("vowels")).result_int() / 100, 2);  // replaced
  const std::string replaced = scrape(*g);
  EXPECT_EQ(*scraped(replaced, R"(hookd_plugin_compile_seconds_count{plugin="v2"})"), 2);
  EXPECT_EQ(*scraped(replaced, R"(hookd_plugin_compile_seconds_bucket{plugin="v2",le="+Inf"})"), 2);
  EXPECT_EQ(*scraped(replaced, R"(hookd_plugin_instantiate_seconds_count{plugin="v2"})"), 4);
  EXPECT_EQ(*scraped(replaced, R"(hookd_plugin_compile_seconds_count{plugin="echo"})"), 1)
      << "echo untouched";
}

TEST(HostCallMetrics, KvAndFetchCallsAreCountedPerPluginWithErrorsLatencyAndBytes) {
  auto fetcher = std::make_unique<host::FakeFetcher>();
  fetcher->respond("http://upstream.test/data",
                   {200, {{"Content-Type", "application/json"}}, R"({"fake":true})", ""});
  fetcher->fail("http://down.test/data", {host::FetchError::Code::kConnect, "refused"});
  auto kv = std::make_unique<host::MemoryKvStore>();
  host::MemoryKvStore& store = *kv;
  server::GatewayParts parts;
  parts.vm = engine::create_v8_vm();
  parts.kv = std::move(kv);
  parts.fetcher = std::move(fetcher);
  parts.clock = util::system_clock();
  parts.entropy = util::system_random();
  config::PluginSettings counter;
  counter.grants.kv = config::KvGrant{"counter", config::KvMode::read_write};
  parts.plugins.configured.push_back(metrics_plugin_file("counter", "counter", counter));
  for (const auto& [name, url] : std::map<std::string, std::string>{{"proxy", "http://upstream.test/data"},
                                                                    {"downproxy", "http://down.test/data"}}) {
    config::PluginSettings s;
    s.config["upstream"] = url;
    s.grants.config = true;
    s.grants.fetch.push_back(*config::FetchPattern::parse(url.substr(0, url.find('/', 8))));
    parts.plugins.configured.push_back(metrics_plugin_file(name, "fetchproxy", s));
  }
  auto c = test_config(fresh_dir("host-call-metrics"));
  c.server.load_example_plugins = false;
  auto started = server::Gateway::start(std::move(c), std::move(parts));
  ASSERT_TRUE(started) << started.error().describe();
  server::Gateway& g = **started;

  const std::string before = scrape(g, g.admin_token());
  EXPECT_FALSE(scraped(before, R"(hookd_kv_calls_total{plugin="counter",op="incr"})")) << "no call yet";
  HttpClient client(g.port());
  for (int i = 1; i <= 3; ++i) EXPECT_EQ(client.post("/plugins/counter/incr", "1").body(), std::to_string(i));
  EXPECT_EQ(client.post("/plugins/counter/get", "").body(), "3");
  ASSERT_TRUE(store.set("counter", "count", "not a number"));
  EXPECT_EQ(client.post("/plugins/counter/incr", "1").result_int(), 503);  // the store refuses: kInvalid
  EXPECT_EQ(client.post("/plugins/proxy/get", "").result_int(), 200);
  EXPECT_EQ(client.post("/plugins/proxy/get", "").result_int(), 200);
  EXPECT_EQ(client.post("/plugins/downproxy/get", "").result_int(), 502);

  const std::string m = scrape(g, g.admin_token());
  EXPECT_EQ(*scraped(m, R"(hookd_kv_calls_total{plugin="counter",op="incr"})"), 4);
  // The PDK's hookd_kv_get reads through the batched path (kv.read).
  EXPECT_EQ(*scraped(m, R"(hookd_kv_calls_total{plugin="counter",op="get"})") +
                *scraped(m, R"(hookd_kv_calls_total{plugin="counter",op="get_many"})"),
            1);
  EXPECT_EQ(*scraped(m, R"(hookd_kv_calls_total{plugin="counter",op="set"})"), 0);
  EXPECT_EQ(*scraped(m, R"(hookd_kv_errors_total{plugin="counter"})"), 1);
  EXPECT_EQ(*scraped(m, R"(hookd_kv_call_duration_seconds_count{plugin="counter"})"), 5);
  EXPECT_EQ(*scraped(m, R"(hookd_kv_bytes_total{plugin="counter",direction="read"})"), 1)
      << "the value \"3\"";
  EXPECT_FALSE(scraped(m, R"(hookd_kv_calls_total{plugin="proxy",op="get"})")) << "proxy made no KV call";

  EXPECT_EQ(*scraped(m, R"(hookd_fetch_calls_total{plugin="proxy"})"), 2);
  EXPECT_EQ(*scraped(m, R"(hookd_fetch_errors_total{plugin="proxy"})"), 0);
  EXPECT_EQ(*scraped(m, R"(hookd_fetch_bytes_total{plugin="proxy",direction="received"})"), 2 * 13);
  EXPECT_EQ(*scraped(m, R"(hookd_fetch_bytes_total{plugin="proxy",direction="sent"})"), 0);
  EXPECT_EQ(*scraped(m, R"(hookd_fetch_duration_seconds_count{plugin="proxy"})"), 2);
  EXPECT_EQ(*scraped(m, R"(hookd_fetch_calls_total{plugin="downproxy"})"), 1);
  EXPECT_EQ(*scraped(m, R"(hookd_fetch_errors_total{plugin="downproxy"})"), 1);
  EXPECT_FALSE(scraped(m, R"(hookd_fetch_calls_total{plugin="counter"})"));
  // The gateway-wide outcome counter still sees them.
  EXPECT_EQ(*scraped(m, R"(hookd_fetch_requests_total{outcome="connect"})"), 1);
}

}  // namespace
}  // namespace hookd::test
