// Canary releases (docs/releases.md) against a real gateway on port 0 with
// real plugins built from tests/plugins/version.c: version_a answers "A",
// version_b "B", version_flaky fails 3 calls in 10, version_slow takes tens
// of milliseconds a call where version_a takes tens of microseconds. Responses name the version
// that served them (server.version_header), so clients see each switch.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "admin_client.hpp"
#include "eventually.hpp"
#include "gateway_fixture.hpp"
#include "http_client.hpp"

namespace hookd::test {
namespace {

namespace json = boost::json;
using ReleaseClock = std::chrono::steady_clock;

// What a client saw of one call.
struct ReleaseCall {
  ReleaseClock::time_point at;
  int status = 0;
  uint64_t version = 0;  // X-Hookd-Version; 0 when absent
};

// Clients calling "ver" without pause until stopped, each on its own
// keep-alive connection, recording every answer.
class ReleaseLoad {
 public:
  ReleaseLoad(uint16_t port, int clients) {
    calls_.resize(clients);
    for (int i = 0; i < clients; ++i) {
      threads_.emplace_back([this, port, i] {
        auto& mine = calls_[i];
        while (!stop_.load()) {
          try {
            HttpClient c(port);
            for (int n = 0; n < 200 && !stop_.load(); ++n) {
              auto r = c.post("/plugins/ver/which", "");
              const auto field = r["X-Hookd-Version"];
              const std::string v(field.data(), field.size());
              mine.push_back({ReleaseClock::now(), r.result_int(), v.empty() ? 0 : std::stoull(v)});
            }
          } catch (const std::exception&) {
            mine.push_back({ReleaseClock::now(), -1, 0});  // a connection that failed
          }
        }
      });
    }
  }
  ~ReleaseLoad() { stop(); }
  // Joins the clients; returns every call, in time order.
  std::vector<ReleaseCall> stop() {
    stop_ = true;
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
    std::vector<ReleaseCall> all;
    for (auto& c : calls_) all.insert(all.end(), c.begin(), c.end());
    std::sort(all.begin(), all.end(), [](const ReleaseCall& a, const ReleaseCall& b) { return a.at < b.at; });
    return all;
  }

 private:
  std::atomic<bool> stop_{false};
  std::vector<std::vector<ReleaseCall>> calls_;
  std::vector<std::thread> threads_;
};

class CanaryReleases : public ::testing::Test {
 protected:
  void SetUp() override {
    data_dir_ = fresh_dir("releases");
    start();
  }
  void TearDown() override {
    gateway_.reset();
    std::filesystem::remove_all(data_dir_);
  }
  void start(bool override_header = false, uint32_t keep = 5) {
    gateway_.reset();
    auto c = test_config(data_dir_);
    c.server.load_example_plugins = false;
    c.server.keep_versions = keep;
    c.server.version_header = true;
    c.server.version_override = override_header;
    c.plugins.push_back(plugin_entry("echo", "echo"));  // pinned
    gateway_ = start_gateway(std::move(c));
    ASSERT_NE(gateway_, nullptr);
  }

  AdminClient admin() { return AdminClient(gateway_->admin_port(), "test-token"); }
  uint64_t upload(const std::string& file, const std::string& settings = "{}") {
    auto r = admin().put("ver", plugin_bytes(file), {{"X-Hookd-Settings", settings}});
    EXPECT_TRUE(r.result_int() == 201 || r.result_int() == 200) << r.body();
    if (r.result_int() != 201 && r.result_int() != 200) return 0;
    return json::parse(r.body()).at("upload_version").to_number<uint64_t>();
  }
  // Stable `stable_file` (version 1 once rolled back to) and a kept
  // `canary_file` (version 2), the shape every release test starts from.
  void stable_and_kept(const std::string& stable_file, const std::string& canary_file) {
    ASSERT_EQ(upload(stable_file), 1u);
    ASSERT_EQ(upload(canary_file), 2u);
    auto r = admin().send(http::verb::post, "/admin/plugins/ver/rollback", R"({"version": 1})");
    ASSERT_EQ(r.result_int(), 200) << r.body();
  }
  Response begin(const std::string& body, const std::string& name = "ver") {
    return admin().send(http::verb::post, "/admin/plugins/" + name + "/releases", body,
                        {{"Content-Type", "application/json"}});
  }
  Response act(const std::string& action, const std::string& name = "ver") {
    return admin().send(http::verb::post, "/admin/plugins/" + name + "/releases/" + action);
  }
  json::object release() {
    auto r = admin().send(http::verb::get, "/admin/plugins/ver/releases");
    EXPECT_EQ(r.result_int(), 200) << r.body();
    return r.result_int() == 200 ? json::parse(r.body()).as_object() : json::object{};
  }
  std::string state() {
    const json::object r = release();
    return r.contains("state") ? std::string(r.at("state").as_string()) : "";
  }
  bool reaches(const std::string& wanted) {
    return eventually([&] { return state() == wanted; }, std::chrono::seconds(60),
                      std::chrono::milliseconds(20));
  }
  uint64_t serving() {
    auto r = admin().send(http::verb::get, "/admin/plugins/ver/versions");
    return r.result_int() == 200 ? json::parse(r.body()).at("serving").to_number<uint64_t>() : 0;
  }

  std::filesystem::path data_dir_;
  std::unique_ptr<server::Gateway> gateway_;
};

TEST_F(CanaryReleases, ACanaryFailingAThirdOfItsCallsAtTenPercentIsRolledBackUnderLoad) {
  stable_and_kept("version_a", "version_flaky");
  ReleaseLoad load(gateway_->port(), 4);
  auto r = begin(R"({"version": 2, "steps": [{"weight": 10, "seconds": 600}],
                     "thresholds": {"max_error_rate": 0.1, "min_requests": 20}, "window_seconds": 1})");
  ASSERT_EQ(r.result_int(), 201) << r.body();
  ASSERT_TRUE(reaches("rolled_back")) << json::serialize(release());
  const auto rolled_back_seen = ReleaseClock::now();
  // Calls made after the rollback was visible must all reach version 1.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const std::vector<ReleaseCall> calls = load.stop();

  uint64_t failed = 0, canary = 0, stable = 0, canary_after = 0;
  std::optional<ReleaseClock::time_point> first_failure, last_canary;
  for (const ReleaseCall& c : calls) {
    if (c.status != 200) {
      ++failed;
      if (!first_failure) first_failure = c.at;
    }
    if (c.version == 2) {
      ++canary;
      last_canary = c.at;
      if (c.at > rolled_back_seen) ++canary_after;
    } else if (c.version == 1) {
      ++stable;
    }
  }
  ASSERT_TRUE(first_failure.has_value());
  const double to_zero_ms = std::chrono::duration<double, std::milli>(*last_canary - *first_failure).count();
  std::cout << "[ figures  ] calls " << calls.size() << ", canary " << canary << ", failed " << failed
            << ", first failure to the last canary call " << to_zero_ms << " ms\n";
  RecordProperty("failed_calls", static_cast<int>(failed));
  RecordProperty("first_failure_to_zero_canary_ms", static_cast<int>(to_zero_ms));
  EXPECT_EQ(canary_after, 0u) << "calls reached the canary after its rollback was visible";
  EXPECT_GT(stable, canary);
  // Generous bounds: a loaded 2-core box, 10% weight x 30% failures.
  EXPECT_LT(to_zero_ms, 10'000);
  EXPECT_LT(failed, calls.size() / 20);

  const json::object after = release();
  EXPECT_EQ(after.at("weight").to_number<double>(), 0.0);
  const auto& decision = after.at("last_decision").as_object();
  EXPECT_EQ(decision.at("action").as_string(), "rollback");
  EXPECT_NE(std::string(decision.at("reason").as_string()).find("max_error_rate"), std::string::npos)
      << decision;
  EXPECT_EQ(serving(), 1u);
}

TEST_F(CanaryReleases, AHealthyCanaryIsPromotedThroughItsStepsWithNoFailedCallAndServesAfterARestart) {
  stable_and_kept("version_a", "version_b");
  ReleaseLoad load(gateway_->port(), 3);
  auto r = begin(R"({"version": 2,
                     "steps": [{"weight": 10, "seconds": 1}, {"weight": 50, "seconds": 1},
                               {"weight": 100, "seconds": 1}],
                     "thresholds": {"min_requests": 5}})");
  ASSERT_EQ(r.result_int(), 201) << r.body();
  const json::object started = json::parse(r.body()).as_object();
  EXPECT_EQ(started.at("state").as_string(), "running");
  EXPECT_EQ(started.at("weight").to_number<double>(), 10.0);
  EXPECT_EQ(started.at("step").at("index").to_number<int>(), 1);
  ASSERT_TRUE(reaches("promoted")) << json::serialize(release());
  const std::vector<ReleaseCall> calls = load.stop();

  uint64_t failed = 0;
  std::map<uint64_t, uint64_t> by_version;
  for (const ReleaseCall& c : calls) {
    if (c.status != 200) ++failed;
    ++by_version[c.version];
  }
  std::cout << "[ figures  ] calls " << calls.size() << ", version 1: " << by_version[1]
            << ", version 2: " << by_version[2] << ", failed " << failed << "\n";
  EXPECT_EQ(failed, 0u);
  EXPECT_GT(by_version[1], 0u);
  EXPECT_GT(by_version[2], 0u);
  std::vector<std::string> actions;
  const json::object ended = release();  // alive for the loop
  for (const auto& d : ended.at("decisions").as_array()) actions.emplace_back(d.at("action").as_string());
  EXPECT_EQ(actions, (std::vector<std::string>{"start", "step", "step", "promote", "promoted"}));
  EXPECT_EQ(serving(), 2u);
  HttpClient c(gateway_->port());
  EXPECT_EQ(c.post("/plugins/ver/which", "").body(), "B");

  // Promoted as a rollback publishes: a restart serves it.
  start();
  HttpClient again(gateway_->port());
  EXPECT_EQ(again.post("/plugins/ver/which", "").body(), "B");
  EXPECT_EQ(serving(), 2u);
}

TEST_F(CanaryReleases, ACanaryWithAFiveTimesSlowerP99IsRolledBack) {
  stable_and_kept("version_a", "version_slow");
  ReleaseLoad load(gateway_->port(), 2);
  // Only latency judged: the slow canary's calls also wait at its worker
  // share (limits.max_worker_share), and some fail there with 503.
  auto r = begin(R"({"version": 2, "steps": [{"weight": 20, "seconds": 600}],
                     "thresholds": {"max_error_rate": 1, "max_p99_ratio": 5, "min_requests": 10},
                     "window_seconds": 2})");
  ASSERT_EQ(r.result_int(), 201) << r.body();
  ASSERT_TRUE(reaches("rolled_back")) << json::serialize(release());
  load.stop();
  const json::object after = release();
  const auto& decision = after.at("last_decision").as_object();
  EXPECT_EQ(decision.at("action").as_string(), "rollback");
  EXPECT_NE(std::string(decision.at("reason").as_string()).find("p99"), std::string::npos) << decision;
  const auto& versions = after.at("versions").as_object();
  std::cout << "[ figures  ] p99 stable " << versions.at("stable").at("p99_ms") << " ms, canary "
            << versions.at("canary").at("p99_ms") << " ms\n";
  EXPECT_EQ(serving(), 1u);
}

TEST_F(CanaryReleases, StickyKeysEachSeeOneVersionThroughAStepAndTheShareIsWithinBounds) {
  stable_and_kept("version_a", "version_b");
  auto r =
      begin(R"({"version": 2, "steps": [{"weight": 30, "seconds": 3600}], "sticky": {"header": "X-User"}})");
  ASSERT_EQ(r.result_int(), 201) << r.body();
  constexpr int kKeys = 1000, kCallsPerKey = 3;
  HttpClient c(gateway_->port());
  int canary_keys = 0, mixed = 0;
  for (int k = 0; k < kKeys; ++k) {
    std::set<std::string> seen;
    for (int n = 0; n < kCallsPerKey; ++n) {
      auto res = c.post("/plugins/ver/which", "", {{"X-User", "user-" + std::to_string(k)}});
      ASSERT_EQ(res.result_int(), 200) << res.body();
      seen.insert(res.body());
    }
    if (seen.size() != 1) ++mixed;
    if (seen.contains("B")) ++canary_keys;
  }
  EXPECT_EQ(mixed, 0) << "keys that saw both versions";
  // 30% of 1000 keys: 300, standard deviation 14.5; five of them either side.
  EXPECT_GE(canary_keys, 228);
  EXPECT_LE(canary_keys, 372);
  std::cout << "[ figures  ] canary keys " << canary_keys << " of " << kKeys << " at 30%\n";

  // A cookie keeps a client on its version too.
  ASSERT_EQ(act("abort").result_int(), 200);
  r = begin(R"({"version": 2, "steps": [{"weight": 50, "seconds": 3600}], "sticky": {"cookie": "uid"}})");
  ASSERT_EQ(r.result_int(), 201) << r.body();
  for (int k = 0; k < 50; ++k) {
    std::set<std::string> seen;
    for (int n = 0; n < 3; ++n) {
      seen.insert(
          c.post("/plugins/ver/which", "", {{"Cookie", "a=1; uid=u" + std::to_string(k) + "; z=2"}}).body());
    }
    EXPECT_EQ(seen.size(), 1u) << "cookie uid=u" << k;
  }
}

TEST_F(CanaryReleases, TheVersionHeaderIsHonouredOnlyWhenTheOperatorEnablesIt) {
  stable_and_kept("version_a", "version_b");
  ASSERT_EQ(begin(R"({"version": 2, "steps": [{"weight": 0, "seconds": 3600}]})").result_int(), 201);
  HttpClient c(gateway_->port());
  auto r = c.post("/plugins/ver/which", "", {{"X-Hookd-Version", "canary"}});
  EXPECT_EQ(r.body(), "A") << "the override is off by default";
  EXPECT_EQ(r["X-Hookd-Version"], "1");

  start(true);  // a restart forgets the release: the stable version serves
  ASSERT_EQ(begin(R"({"version": 2, "steps": [{"weight": 0, "seconds": 3600}]})").result_int(), 201);
  HttpClient o(gateway_->port());
  EXPECT_EQ(o.post("/plugins/ver/which", "").body(), "A");
  r = o.post("/plugins/ver/which", "", {{"X-Hookd-Version", "canary"}});
  EXPECT_EQ(r.body(), "B");
  EXPECT_EQ(r["X-Hookd-Version"], "2");
  EXPECT_EQ(o.post("/plugins/ver/which", "", {{"X-Hookd-Version", "stable"}}).body(), "A");
  EXPECT_EQ(o.post("/plugins/ver/which", "", {{"X-Hookd-Version", "2"}}).body(), "B");
  EXPECT_EQ(o.post("/plugins/ver/which", "", {{"X-Hookd-Version", "1"}}).body(), "A");
  r = o.post("/plugins/ver/which", "", {{"X-Hookd-Version", "7"}});
  EXPECT_EQ(r.result_int(), 404);
  EXPECT_NE(error_of(r).find("not serving"), std::string::npos) << r.body();
  EXPECT_EQ(o.post("/plugins/ver/which", "", {{"X-Hookd-Version", "newest"}}).result_int(), 400);
  ASSERT_EQ(act("abort").result_int(), 200);
  r = o.post("/plugins/ver/which", "", {{"X-Hookd-Version", "canary"}});
  EXPECT_EQ(r.result_int(), 404);
  EXPECT_NE(error_of(r).find("no canary"), std::string::npos) << r.body();
}

TEST_F(CanaryReleases, MetricsAndTheReleaseViewShowEachVersionSideBySide) {
  stable_and_kept("version_a", "version_b");
  ASSERT_EQ(begin(R"({"version": 2, "steps": [{"weight": 50, "seconds": 3600}]})").result_int(), 201);
  HttpClient c(gateway_->port());
  for (int i = 0; i < 200; ++i) ASSERT_EQ(c.post("/plugins/ver/which", "").result_int(), 200);
  auto m = admin().send(http::verb::get, "/metrics");
  ASSERT_EQ(m.result_int(), 200);
  for (const std::string v : {"1", "2"}) {
    EXPECT_NE(
        m.body().find("hookd_requests_total{plugin=\"ver\",fn=\"which\",version=\"" + v + "\",code=\"200\"}"),
        std::string::npos)
        << "version " << v;
  }
  json::object view;
  ASSERT_TRUE(eventually([&] {
    view = release();
    const auto& v = view.at("versions").as_object();
    return v.at("stable").at("requests").to_number<uint64_t>() +
               v.at("canary").at("requests").to_number<uint64_t>() >=
           200;
  }));
  for (const char* side : {"stable", "canary"}) {
    const auto& v = view.at("versions").at(side).as_object();
    EXPECT_GT(v.at("requests").to_number<uint64_t>(), 0u) << side;
    EXPECT_EQ(v.at("error_rate").to_number<double>(), 0.0) << side;
    EXPECT_TRUE(v.at("p99_ms").is_number()) << side;
    EXPECT_TRUE(v.contains("requests_per_second")) << side;
  }
  EXPECT_EQ(view.at("versions").at("canary").at("version").to_number<uint64_t>(), 2u);
}

TEST_F(CanaryReleases, PauseResumeAndPromoteByHand) {
  stable_and_kept("version_a", "version_b");
  ASSERT_EQ(begin(R"({"version": 2, "steps": [{"weight": 50, "seconds": 3600}]})").result_int(), 201);
  EXPECT_EQ(act("resume").result_int(), 409);
  EXPECT_EQ(act("pause").result_int(), 200);
  EXPECT_EQ(state(), "paused");
  EXPECT_EQ(act("pause").result_int(), 409);
  EXPECT_EQ(act("resume").result_int(), 200);
  EXPECT_EQ(state(), "running");
  EXPECT_EQ(act("promote").result_int(), 202);
  ASSERT_TRUE(reaches("promoted"));
  EXPECT_EQ(serving(), 2u);
  EXPECT_EQ(act("abort").result_int(), 409) << "nothing runs any more";
}

TEST_F(CanaryReleases, AnUploadDuringAReleaseSupersedesIt) {
  stable_and_kept("version_a", "version_b");
  ASSERT_EQ(begin(R"({"version": 2, "steps": [{"weight": 50, "seconds": 3600}]})").result_int(), 201);
  EXPECT_EQ(upload("version_a"), 3u);
  ASSERT_TRUE(reaches("superseded"));
  HttpClient c(gateway_->port());
  for (int i = 0; i < 20; ++i) EXPECT_EQ(c.post("/plugins/ver/which", "")["X-Hookd-Version"], "3");
}

TEST_F(CanaryReleases, AStagedUploadIsKeptWithoutServingAndReleasedFromThere) {
  HttpClient c(gateway_->port());
  auto r = admin().put("ver", plugin_bytes("version_a"), {{"X-Hookd-Stage", "true"}});
  EXPECT_EQ(r.result_int(), 409) << "nothing serves to stage beside: " << r.body();
  ASSERT_EQ(upload("version_a"), 1u);
  r = admin().put("ver", plugin_bytes("version_b"), {{"X-Hookd-Stage", "maybe"}});
  EXPECT_EQ(r.result_int(), 400) << r.body();
  r = admin().put("ver", plugin_bytes("version_b"), {{"X-Hookd-Stage", "true"}});
  ASSERT_EQ(r.result_int(), 201) << r.body();
  const json::object staged = json::parse(r.body()).as_object();
  EXPECT_EQ(staged.at("upload_version").to_number<uint64_t>(), 2u);
  EXPECT_EQ(staged.at("serving").to_number<uint64_t>(), 1u);
  EXPECT_TRUE(staged.at("staged").as_bool());
  EXPECT_EQ(c.post("/plugins/ver/which", "").body(), "A");
  EXPECT_EQ(serving(), 1u);
  ASSERT_EQ(begin(R"({"version": 2, "steps": [{"weight": 100, "seconds": 3600}]})").result_int(), 201);
  EXPECT_EQ(c.post("/plugins/ver/which", "").body(), "B");
  // A staged version is kept across a restart, and does not serve there.
  start();
  HttpClient again(gateway_->port());
  EXPECT_EQ(again.post("/plugins/ver/which", "").body(), "A");
  EXPECT_EQ(serving(), 1u);
}

TEST_F(CanaryReleases, BadReleasesAreRefusedWithClearErrors) {
  start(false, 2);
  ASSERT_EQ(upload("version_a"), 1u);
  ASSERT_EQ(upload("version_b"), 2u);
  ASSERT_EQ(upload("version_a", R"({"routes":[{"methods":["POST"],"path":"/own","function":"which"}]})"), 3u);
  // Version 1 is pruned (keep_versions 2); 2 is kept; 3 serves with a route 2 lacks.
  const auto expect = [&](const std::string& body, int status, const std::string& says) {
    auto r = begin(body);
    EXPECT_EQ(r.result_int(), status) << body << " -> " << r.body();
    EXPECT_NE(error_of(r).find(says), std::string::npos) << body << " -> " << r.body();
  };
  expect(R"({"version": 2, "steps": [{"weight": 101, "seconds": 5}]})", 400, "weight");
  expect(R"({"version": 2, "steps": [{"weight": -1, "seconds": 5}]})", 400, "weight");
  expect(R"({"version": 2, "steps": []})", 400, "steps");
  expect(R"({"version": 2})", 400, "steps");
  expect(R"({"version": 2, "steps": [{"weight": 5}]})", 400, "seconds");
  expect(R"({"version": 0, "steps": [{"weight": 5, "seconds": 5}]})", 400, "version");
  expect(R"({"steps": [{"weight": 5, "seconds": 5}]})", 400, "version");
  expect(R"({"version": 2, "steps": [{"weight": 5, "seconds": 5}], "colour": 1})", 400, "colour");
  expect(R"({"version": 2, "steps": [{"weight": 5, "seconds": 5}], "sticky": {"header": "a b"}})", 400,
         "sticky");
  expect(R"({"version": 2, "steps": [{"weight": 5, "seconds": 5}], "thresholds": {"max_error_rate": 2}})",
         400, "max_error_rate");
  expect(R"({"version": 2, "steps": [{"weight": 5, "seconds": 5}], "window_seconds": 0})", 400,
         "window_seconds");
  expect("not json", 400, "JSON");
  expect(R"({"version": 9, "steps": [{"weight": 5, "seconds": 5}]})", 404, "does not exist");
  expect(R"({"version": 1, "steps": [{"weight": 5, "seconds": 5}]})", 404, "no longer kept");
  expect(R"({"version": 3, "steps": [{"weight": 5, "seconds": 5}]})", 409, "stable version");
  expect(R"({"version": 2, "steps": [{"weight": 5, "seconds": 5}]})", 409, "/own");  // routes differ
  auto r = admin().send(http::verb::post, "/admin/plugins/nosuch/releases",
                        R"({"version": 2, "steps": [{"weight": 5, "seconds": 5}]})");
  EXPECT_EQ(r.result_int(), 404) << r.body();
  r = admin().send(http::verb::post, "/admin/plugins/echo/releases",
                   R"({"version": 2, "steps": [{"weight": 5, "seconds": 5}]})");
  EXPECT_EQ(r.result_int(), 409) << r.body();  // pinned by the config file
  EXPECT_EQ(admin().send(http::verb::get, "/admin/plugins/ver/releases").result_int(), 404);
  EXPECT_EQ(act("abort").result_int(), 409);
  EXPECT_EQ(act("promote").result_int(), 409);
  EXPECT_EQ(admin().send(http::verb::delete_, "/admin/plugins/ver/releases").result_int(), 405);

  // One release at a time.
  ASSERT_EQ(upload("version_b"), 4u);
  ASSERT_EQ(upload("version_a"), 5u);
  ASSERT_EQ(begin(R"({"version": 4, "steps": [{"weight": 5, "seconds": 3600}]})").result_int(), 201);
  expect(R"({"version": 4, "steps": [{"weight": 5, "seconds": 5}]})", 409, "is running");
  ASSERT_EQ(act("abort").result_int(), 200);
  EXPECT_EQ(state(), "aborted");
  HttpClient c(gateway_->port());
  EXPECT_EQ(c.post("/plugins/ver/which", "").body(), "A");
}

}  // namespace
}  // namespace hookd::test
