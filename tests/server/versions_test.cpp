// Plugin versions and rollback (docs/releases.md) against a real gateway on
// port 0 with real plugins: version_a answers "A", version_b "B", so each
// call shows which version serves.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <set>
#include <thread>

#include "admin_client.hpp"
#include "gateway_fixture.hpp"
#include "hookd/engine/sha256.hpp"
#include "http_client.hpp"

namespace hookd::test {
namespace {

namespace json = boost::json;

std::string versions_sha256(const std::string& bytes) {
  return engine::sha256_hex({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
}

// One route of its own per version, so a rollback shows its routes come back too.
std::string route_settings(const std::string& path) {
  return R"({"routes":[{"methods":["POST"],"path":")" + path + R"(","function":"which"}]})";
}

class PluginVersions : public ::testing::Test {
 protected:
  void SetUp() override {
    data_dir_ = fresh_dir("versions");
    start();
  }
  void TearDown() override {
    gateway_.reset();
    std::filesystem::remove_all(data_dir_);
  }
  void start(uint32_t keep = 5) {
    gateway_.reset();
    auto c = test_config(data_dir_);
    c.server.load_example_plugins = false;
    c.server.keep_versions = keep;
    c.plugins.push_back(plugin_entry("echo", "echo"));  // pinned
    gateway_ = start_gateway(std::move(c));
    ASSERT_NE(gateway_, nullptr);
  }

  AdminClient admin() { return AdminClient(gateway_->admin_port(), "test-token"); }
  std::string which() {
    HttpClient c(gateway_->port());
    auto r = c.post("/plugins/ver/which", "");
    return r.result_int() == 200 ? r.body() : std::to_string(r.result_int()) + " " + r.body();
  }
  // Uploads `file` as "ver"; returns its version number.
  uint64_t upload(const std::string& file, const std::string& settings = "{}") {
    auto r = admin().put("ver", plugin_bytes(file), {{"X-Hookd-Settings", settings}});
    EXPECT_TRUE(r.result_int() == 201 || r.result_int() == 200) << r.body();
    if (r.result_int() != 201 && r.result_int() != 200) return 0;
    return json::parse(r.body()).at("upload_version").to_number<uint64_t>();
  }
  Response versions(const std::string& name = "ver") {
    return admin().send(http::verb::get, "/admin/plugins/" + name + "/versions");
  }
  json::object listing() {
    auto r = versions();
    EXPECT_EQ(r.result_int(), 200) << r.body();
    return r.result_int() == 200 ? json::parse(r.body()).as_object() : json::object{};
  }
  std::vector<uint64_t> kept_numbers() {
    std::vector<uint64_t> out;
    const json::object l = listing();  // alive for the loop
    if (!l.contains("versions")) return out;
    for (const auto& v : l.at("versions").as_array()) out.push_back(v.at("number").to_number<uint64_t>());
    return out;
  }
  Response module(const std::string& number, const std::string& name = "ver") {
    return admin().send(http::verb::get, "/admin/plugins/" + name + "/versions/" + number + "/module");
  }
  Response rollback(const std::string& body, const std::string& name = "ver") {
    return admin().send(http::verb::post, "/admin/plugins/" + name + "/rollback", body,
                        {{"Content-Type", "application/json"}});
  }
  static std::string error_text(const Response& r) {
    return std::string(json::parse(r.body()).at("error").as_string());
  }

  std::filesystem::path data_dir_;
  std::unique_ptr<server::Gateway> gateway_;
};

TEST_F(PluginVersions, EachUploadIsTheNextVersionListedWithItsHashSizeAbiAndWhoMadeIt) {
  EXPECT_EQ(upload("version_a"), 1u);
  EXPECT_EQ(upload("version_b"), 2u);
  EXPECT_EQ(upload("version_a", R"({"config":{"v":"250"}})"), 3u);

  const json::object l = listing();
  EXPECT_EQ(l.at("name").as_string(), "ver");
  EXPECT_EQ(l.at("serving").to_number<uint64_t>(), 3u);
  EXPECT_EQ(l.at("next").to_number<uint64_t>(), 4u);
  const auto& list = l.at("versions").as_array();
  ASSERT_EQ(list.size(), 3u);
  const std::string files[3] = {"version_a", "version_b", "version_a"};
  for (size_t i = 0; i < 3; ++i) {
    const auto& v = list[i].as_object();
    const std::string bytes = plugin_bytes(files[i]);
    EXPECT_EQ(v.at("number").to_number<uint64_t>(), i + 1);
    EXPECT_EQ(v.at("sha256").as_string(), versions_sha256(bytes));
    EXPECT_EQ(v.at("size").to_number<uint64_t>(), bytes.size());
    EXPECT_EQ(v.at("abi").as_string(), "hookd");
    EXPECT_EQ(v.at("created_by").as_string(), "127.0.0.1");
    EXPECT_EQ(v.at("created").as_string().size(), 20u) << v.at("created");  // 2026-12-07T22:37:50Z
    EXPECT_EQ(v.at("serving").as_bool(), i == 2);
  }
  auto shown = admin().show("ver");
  EXPECT_EQ(json::parse(shown.body()).at("upload_version").to_number<uint64_t>(), 3u);
}

TEST_F(PluginVersions, AVersionsModuleIsItsUploadedBytes) {
  upload("version_a");
  upload("version_b");
  for (const auto& [number, file] : {std::pair{"1", "version_a"}, std::pair{"2", "version_b"}}) {
    auto r = module(number);
    ASSERT_EQ(r.result_int(), 200) << r.body();
    EXPECT_EQ(r[http::field::content_type], "application/wasm");
    EXPECT_EQ(r.body(), plugin_bytes(file)) << "version " << number;
  }
}

TEST_F(PluginVersions, ARollbackServesTheKeptVersionWithItsSettingsAndRoutesAndMakesNoNewNumber) {
  ASSERT_EQ(upload("version_a", route_settings("/one")), 1u);
  ASSERT_EQ(upload("version_b", route_settings("/two")), 2u);
  HttpClient c(gateway_->port());
  ASSERT_EQ(which(), "B");
  ASSERT_EQ(c.post("/two", "").body(), "B");

  auto r = rollback(R"({"version": 1})");
  ASSERT_EQ(r.result_int(), 200) << r.body();
  const json::object answer = json::parse(r.body()).as_object();
  EXPECT_EQ(answer.at("serving").to_number<uint64_t>(), 1u);
  EXPECT_EQ(answer.at("previous").to_number<uint64_t>(), 2u);
  EXPECT_EQ(answer.at("sha256").as_string(), versions_sha256(plugin_bytes("version_a")));

  EXPECT_EQ(which(), "A");
  EXPECT_EQ(c.post("/one", "").body(), "A");
  EXPECT_EQ(c.post("/two", "").result_int(), 404);
  const json::object l = listing();
  EXPECT_EQ(l.at("serving").to_number<uint64_t>(), 1u);
  EXPECT_EQ(l.at("next").to_number<uint64_t>(), 3u);
  EXPECT_EQ(kept_numbers(), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(json::parse(admin().show("ver").body()).at("upload_version").to_number<uint64_t>(), 1u);

  // Forward again, and the next upload takes the next number.
  ASSERT_EQ(rollback(R"({"version": 2})").result_int(), 200);
  EXPECT_EQ(which(), "B");
  EXPECT_EQ(upload("version_a"), 3u);
}

// Clients call "ver" without pause while the admin API rolls it back and
// forth between two versions: every call answers A or B, none fails.
TEST_F(PluginVersions, RollingBackUnderLoadFailsNoRequest) {
  constexpr int kClients = 4, kRollbacks = 30, kPerConnection = 25;
  ASSERT_EQ(upload("version_a"), 1u);
  ASSERT_EQ(upload("version_b"), 2u);
  std::atomic<bool> stop{false};
  struct Tally {
    uint64_t a = 0, b = 0;
    std::vector<std::string> failures;
  };
  std::vector<Tally> tallies(kClients);
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      Tally& t = tallies[i];
      while (!stop.load()) {
        try {
          HttpClient c(gateway_->port());
          for (int n = 0; n < kPerConnection && !stop.load(); ++n) {
            auto r = c.post("/plugins/ver/which", "");
            if (r.result_int() == 200 && r.body() == "A") {
              ++t.a;
            } else if (r.result_int() == 200 && r.body() == "B") {
              ++t.b;
            } else if (t.failures.size() < 5) {
              t.failures.push_back(std::to_string(r.result_int()) + " " + r.body());
            }
          }
        } catch (const std::exception& e) {
          if (t.failures.size() < 5) t.failures.push_back(std::string("connection failed: ") + e.what());
        }
      }
    });
  }
  std::vector<std::string> admin_failures;
  for (int i = 0; i < kRollbacks; ++i) {
    auto r = rollback(i % 2 == 0 ? R"({"version": 1})" : R"({"version": 2})");
    if (r.result_int() != 200) admin_failures.push_back(std::to_string(r.result_int()) + " " + r.body());
  }
  stop = true;
  for (auto& t : clients) t.join();

  EXPECT_TRUE(admin_failures.empty()) << admin_failures.front();
  Tally total;
  for (const auto& t : tallies) {
    total.a += t.a;
    total.b += t.b;
    total.failures.insert(total.failures.end(), t.failures.begin(), t.failures.end());
  }
  EXPECT_TRUE(total.failures.empty())
      << total.failures.size() << " failures, first: " << total.failures.front();
  EXPECT_GT(total.a, 0u);
  EXPECT_GT(total.b, 0u);
  // 30 rollbacks from 2: the last was to 2.
  EXPECT_EQ(which(), "B");
  EXPECT_EQ(listing().at("serving").to_number<uint64_t>(), 2u);
}

TEST_F(PluginVersions, VersionsBeyondTheCountArePrunedAndTheirNumbersNeverComeBack) {
  start(2);
  upload("version_a");
  upload("version_b");
  upload("version_a", R"({"config":{"v":"300"}})");
  EXPECT_EQ(kept_numbers(), (std::vector<uint64_t>{2, 3}));
  auto gone = module("1");
  EXPECT_EQ(gone.result_int(), 404);
  EXPECT_NE(error_text(gone).find("version 1 of plugin ver is no longer kept"), std::string::npos)
      << gone.body();
  EXPECT_EQ(rollback(R"({"version": 1})").result_int(), 404);

  // Back to 2, then a new upload: 2 is the oldest and not serving, so it goes.
  ASSERT_EQ(rollback(R"({"version": 2})").result_int(), 200);
  EXPECT_EQ(upload("version_b", R"({"config":{"v":"400"}})"), 4u);
  EXPECT_EQ(kept_numbers(), (std::vector<uint64_t>{3, 4}));
  std::set<std::string> files;
  for (const auto& f : std::filesystem::directory_iterator(data_dir_ / "plugins" / "versions" / "ver"))
    files.insert(f.path().filename().string());
  EXPECT_EQ(files, (std::set<std::string>{"3.plugin", "4.plugin", "index.json"}));
}

TEST_F(PluginVersions, ARestartKeepsTheVersionsAndServesTheSameVersion) {
  upload("version_a");
  upload("version_b");
  ASSERT_EQ(rollback(R"({"version": 1})").result_int(), 200);
  start();
  EXPECT_EQ(which(), "A");
  const json::object l = listing();
  EXPECT_EQ(l.at("serving").to_number<uint64_t>(), 1u);
  EXPECT_EQ(kept_numbers(), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(json::parse(admin().show("ver").body()).at("upload_version").to_number<uint64_t>(), 1u);
  EXPECT_EQ(module("2").body(), plugin_bytes("version_b"));
  EXPECT_EQ(upload("version_b"), 3u);
}

TEST_F(PluginVersions, AnUploadKeptBeforeVersionsWereRecordedBecomesAVersionAtTheNextStart) {
  upload("version_b");
  gateway_.reset();
  std::filesystem::remove_all(data_dir_ / "plugins" / "versions");  // as an earlier hookd left it
  start();
  EXPECT_EQ(which(), "B");
  const json::object l = listing();
  EXPECT_EQ(l.at("serving").to_number<uint64_t>(), 1u);
  const auto& v = l.at("versions").as_array().at(0);
  EXPECT_EQ(v.at("sha256").as_string(), versions_sha256(plugin_bytes("version_b")));
  EXPECT_NE(v.at("created_by").as_string().find("kept before versions"), std::string::npos);
}

TEST_F(PluginVersions, DeletingAPluginDeletesItsVersions) {
  upload("version_a");
  upload("version_b");
  ASSERT_EQ(admin().remove("ver").result_int(), 204);
  auto r = versions();
  EXPECT_EQ(r.result_int(), 404);
  EXPECT_EQ(error_text(r), "unknown plugin");
  EXPECT_FALSE(std::filesystem::exists(data_dir_ / "plugins" / "versions" / "ver"));
  EXPECT_EQ(upload("version_a"), 1u);
}

TEST_F(PluginVersions, UnknownPluginsAndVersionsAre404NamingThem) {
  for (const auto& r : {versions("nope"), module("1", "nope"), rollback(R"({"version": 1})", "nope")}) {
    EXPECT_EQ(r.result_int(), 404) << r.body();
    EXPECT_EQ(error_text(r), "unknown plugin");
  }
  upload("version_a");
  for (const auto& r : {module("7"), rollback(R"({"version": 7})")}) {
    EXPECT_EQ(r.result_int(), 404) << r.body();
    EXPECT_NE(error_text(r).find("version 7 of plugin ver does not exist; kept: 1"), std::string::npos)
        << r.body();
  }
}

TEST_F(PluginVersions, AVersionThatIsNotAPositiveIntegerIs400) {
  upload("version_a");
  for (const std::string n : {"abc", "0", "-1", "1.5", "99999999999999999999", "1x"}) {
    auto r = module(n);
    EXPECT_EQ(r.result_int(), 400) << n << ": " << r.body();
    EXPECT_NE(error_text(r).find("positive integer"), std::string::npos) << r.body();
  }
  for (const std::string body : {R"({"version":"1"})", R"({"version":0})", R"({"version":-1})",
                                 R"({"version":1.5})", R"({})", R"([1])", "version=1", ""}) {
    auto r = rollback(body);
    EXPECT_EQ(r.result_int(), 400) << body << ": " << r.body();
    EXPECT_NE(error_text(r).find("invalid rollback"), std::string::npos) << r.body();
  }
  EXPECT_EQ(rollback(R"({"version":1,"pad":")" + std::string(2000, 'x') + "\"}").result_int(), 400);
  EXPECT_EQ(which(), "A");
}

TEST_F(PluginVersions, ARollbackToTheServingVersionIs409AndChangesNothing) {
  upload("version_a");
  upload("version_b");
  auto r = rollback(R"({"version": 2})");
  EXPECT_EQ(r.result_int(), 409) << r.body();
  EXPECT_EQ(error_text(r), "version 2 of plugin ver is already serving");
  EXPECT_EQ(which(), "B");
  EXPECT_EQ(json::parse(admin().show("ver").body()).at("revision").to_number<uint64_t>(), 2u);
}

TEST_F(PluginVersions, AConfigFilePluginIsPinnedAndHasNoVersions) {
  for (const auto& r : {versions("echo"), rollback(R"({"version": 1})", "echo"), module("1", "echo")}) {
    EXPECT_EQ(r.result_int(), 409) << r.body();
    EXPECT_NE(error_text(r).find("comes from the config file"), std::string::npos) << r.body();
  }
  HttpClient c(gateway_->port());
  EXPECT_EQ(c.post("/plugins/echo/echo", "still").body(), "still");
}

TEST_F(PluginVersions, WrongMethodsAre405AndOtherPathsStayInvalidNames) {
  upload("version_a");
  auto get_rollback = admin().send(http::verb::get, "/admin/plugins/ver/rollback");
  EXPECT_EQ(get_rollback.result_int(), 405);
  EXPECT_EQ(get_rollback[http::field::allow], "POST");
  auto post_versions = admin().send(http::verb::post, "/admin/plugins/ver/versions", "{}");
  EXPECT_EQ(post_versions.result_int(), 405);
  EXPECT_EQ(post_versions[http::field::allow], "GET");
  EXPECT_EQ(admin().send(http::verb::delete_, "/admin/plugins/ver/versions/1/module").result_int(), 405);
  EXPECT_EQ(admin().send(http::verb::get, "/admin/plugins/ver/other").result_int(), 400);
  HttpClient c(gateway_->admin_port());
  EXPECT_EQ(c.get("/admin/plugins/ver/versions").result_int(), 401);
}

}  // namespace
}  // namespace hookd::test
