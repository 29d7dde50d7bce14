// The admin API against a real gateway on port 0 with a real client: auth,
// listing, upload/replace/delete, settings, and persistence across restarts.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <regex>

#include "admin_client.hpp"
#include "gateway_fixture.hpp"
#include "hookd/engine/sha256.hpp"
#include "hookd/server/build_info.hpp"
#include "http_client.hpp"

namespace hookd::test {
namespace {

namespace json = boost::json;

std::string sha256_of(const std::string& bytes) {
  return engine::sha256_hex({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
}

config::Config admin_test_config(const std::filesystem::path& data_dir) {
  auto c = test_config(data_dir);
  c.server.load_example_plugins = false;
  c.plugins.push_back(plugin_entry("echo", "echo"));
  return c;
}

class AdminApi : public ::testing::Test {
 protected:
  void SetUp() override {
    data_dir_ = fresh_dir("admin");
    start();
  }
  void TearDown() override {
    gateway_.reset();
    std::filesystem::remove_all(data_dir_);
  }

  // (Re)starts the gateway on the same data directory.
  void start() {
    gateway_.reset();
    gateway_ = start_gateway(admin_test_config(data_dir_));
    ASSERT_NE(gateway_, nullptr);
  }

  AdminClient admin() { return AdminClient(gateway_->admin_port(), "test-token"); }
  Response unauthenticated(http::verb method, const std::string& target,
                           std::map<std::string, std::string> headers = {}) {
    HttpClient c(gateway_->admin_port());
    return c.send({method, target, "", std::move(headers)});
  }
  Response call(const std::string& plugin, const std::string& fn, const std::string& body = "") {
    HttpClient c(gateway_->port());
    return c.post("/plugins/" + plugin + "/" + fn, body);
  }
  static std::string error_of(const Response& r) {
    return std::string(json::parse(r.body()).at("error").as_string());
  }

  std::filesystem::path data_dir_;
  std::unique_ptr<server::Gateway> gateway_;
};

TEST_F(AdminApi, RequestWithoutATokenIs401WithWwwAuthenticate) {
  auto r = unauthenticated(http::verb::get, "/admin/plugins");
  EXPECT_EQ(r.result_int(), 401);
  EXPECT_EQ(r[http::field::www_authenticate], "Bearer realm=\"hookd-admin\"");
  EXPECT_EQ(r[http::field::content_type], "application/json");
}

TEST_F(AdminApi, RequestWithAWrongTokenIs401AndChangesNothing) {
  for (const std::string auth : {"Bearer wrong-token", "Bearer test-token-and-more", "Bearer ", "test-token",
                                 "Basic dGVzdC10b2tlbg=="}) {
    auto r = unauthenticated(http::verb::get, "/admin/plugins", {{"Authorization", auth}});
    EXPECT_EQ(r.result_int(), 401) << auth;
  }
  HttpClient c(gateway_->admin_port());
  auto del = c.send({http::verb::delete_, "/admin/plugins/echo", "", {{"Authorization", "Bearer nope"}}});
  EXPECT_EQ(del.result_int(), 401);
  EXPECT_EQ(call("echo", "echo", "still here").body(), "still here");
}

TEST_F(AdminApi, AdminRoutesAreNotServedOnThePublicPort) {
  HttpClient c(gateway_->port());
  EXPECT_EQ(c.get("/admin/plugins", {{"Authorization", "Bearer test-token"}}).result_int(), 404);
}

TEST_F(AdminApi, VersionNamesTheReleaseAndTheCommitAsTheMetricsDo) {
  auto r = admin().send(http::verb::get, "/admin/version");
  ASSERT_EQ(r.result_int(), 200) << r.body();
  const auto v = json::parse(r.body()).as_object();
  const server::BuildInfo info = server::build_info();
  EXPECT_EQ(v.at("version").as_string(), info.version);
  EXPECT_EQ(v.at("commit").as_string(), info.commit);
  EXPECT_FALSE(info.version.empty());
  EXPECT_FALSE(info.commit.empty());
  const std::string metrics = admin().send(http::verb::get, "/metrics").body();
  EXPECT_NE(metrics.find("hookd_build_info{version=\"" + std::string(info.version) + "\",commit=\"" +
                         std::string(info.commit) + "\"} 1\n"),
            std::string::npos)
      << metrics;
  EXPECT_EQ(unauthenticated(http::verb::get, "/admin/version").result_int(), 401);
  EXPECT_EQ(admin().send(http::verb::post, "/admin/version").result_int(), 405);
}

TEST_F(AdminApi, ListShowsEachPluginsDetailsAndCounters) {
  for (int i = 0; i < 3; ++i) ASSERT_EQ(call("echo", "echo", "x").result_int(), 200);
  const std::string wasm = plugin_bytes("echo");
  ASSERT_FALSE(wasm.empty());

  auto entry = admin().listed("echo");
  ASSERT_TRUE(entry.is_object());
  const auto& e = entry.as_object();
  EXPECT_EQ(e.at("sha256").as_string(), sha256_of(wasm));
  EXPECT_EQ(e.at("size").to_number<uint64_t>(), wasm.size());
  ASSERT_EQ(e.at("functions").as_array().size(), 1u);
  EXPECT_EQ(e.at("functions").as_array()[0].at("name").as_string(), "echo");
  EXPECT_EQ(e.at("memory_per_worker").as_array().size(), 2u);  // test_config runs two workers
  for (const auto& m : e.at("memory_per_worker").as_array()) EXPECT_GT(m.to_number<uint64_t>(), 0u);
  EXPECT_TRUE(std::regex_match(std::string(e.at("loaded_at").as_string()),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));
  EXPECT_EQ(e.at("calls").to_number<uint64_t>(), 3u);
  EXPECT_EQ(e.at("errors").to_number<uint64_t>(), 0u);

  auto one = admin().show("echo");
  ASSERT_EQ(one.result_int(), 200);
  EXPECT_EQ(json::parse(one.body()).at("sha256"), e.at("sha256"));
  EXPECT_EQ(admin().show("nope").result_int(), 404);
}

TEST_F(AdminApi, UploadingANewPluginIs201AndItIsServed) {
  EXPECT_EQ(call("ver", "which").result_int(), 404);
  auto r = admin().put("ver", plugin_bytes("version_a"));
  ASSERT_EQ(r.result_int(), 201) << r.body();
  EXPECT_EQ(json::parse(r.body()).at("sha256").as_string(), sha256_of(plugin_bytes("version_a")));
  auto served = call("ver", "which");
  EXPECT_EQ(served.result_int(), 200);
  EXPECT_EQ(served.body(), "A");
}

TEST_F(AdminApi, UploadingAgainIs200AndTheNewVersionIsServed) {
  ASSERT_EQ(admin().put("ver", plugin_bytes("version_a")).result_int(), 201);
  auto r = admin().put("ver", plugin_bytes("version_b"));
  ASSERT_EQ(r.result_int(), 200) << r.body();
  EXPECT_EQ(call("ver", "which").body(), "B");
  EXPECT_EQ(admin().listed("ver").at("sha256").as_string(), sha256_of(plugin_bytes("version_b")));
}

TEST_F(AdminApi, MatchingSha256HeaderIsAccepted) {
  const std::string wasm = plugin_bytes("version_a");
  auto r = admin().put("ver", wasm, {{"X-Hookd-Sha256", sha256_of(wasm)}});
  EXPECT_EQ(r.result_int(), 201) << r.body();
}

TEST_F(AdminApi, Sha256MismatchIs400AndTheOldVersionStillServes) {
  ASSERT_EQ(admin().put("ver", plugin_bytes("version_a")).result_int(), 201);
  const std::string b = plugin_bytes("version_b");
  auto r = admin().put("ver", b, {{"X-Hookd-Sha256", sha256_of(plugin_bytes("version_a"))}});
  EXPECT_EQ(r.result_int(), 400) << r.body();
  EXPECT_EQ(json::parse(r.body()).at("plugin").as_string(), "ver");
  EXPECT_EQ(call("ver", "which").body(), "A");
}

TEST_F(AdminApi, ModuleThatIsNotAPluginIs422WithAClearMessageAndTheOldVersionStillServes) {
  ASSERT_EQ(admin().put("ver", plugin_bytes("version_a")).result_int(), 201);
  struct Case {
    std::string what;
    std::string wasm;
    std::string message_mentions;
  };
  const std::vector<Case> cases = {
      {"garbage", "this is not webassembly", "not a WebAssembly module"},
      {"abi2", plugin_bytes("abi2"), "ABI"},
      {"noabi", plugin_bytes("noabi"), "not a hookd plugin"},
  };
  for (const auto& c : cases) {
    ASSERT_FALSE(c.wasm.empty()) << c.what;
    auto r = admin().put("ver", c.wasm);
    EXPECT_EQ(r.result_int(), 422) << c.what << ": " << r.body();
    const std::string message = error_of(r);
    EXPECT_NE(message.find(c.message_mentions), std::string::npos) << c.what << ": " << message;
    EXPECT_EQ(call("ver", "which").body(), "A") << c.what;
  }
  // A failed first upload leaves no plugin behind.
  EXPECT_EQ(admin().put("fresh", "not wasm").result_int(), 422);
  EXPECT_EQ(call("fresh", "which").result_int(), 404);
  EXPECT_EQ(admin().show("fresh").result_int(), 404);
}

TEST_F(AdminApi, SettingsHeaderAppliesLimits) {
  auto r = admin().put("loop", plugin_bytes("loop"), {{"X-Hookd-Settings", R"({"deadline_ms":100})"}});
  ASSERT_EQ(r.result_int(), 201) << r.body();
  EXPECT_EQ(json::parse(r.body()).at("settings").at("deadline_ms").to_number<int64_t>(), 100);

  auto spin = call("loop", "spin");
  EXPECT_EQ(spin.result_int(), 504);
  // The error names the deadline that stopped it (the default is 1000 ms).
  EXPECT_NE(spin.body().find("deadline of 100 ms"), std::string::npos) << spin.body();
  EXPECT_EQ(call("loop", "ok").body(), "ok");
}

TEST_F(AdminApi, InvalidSettingsAre400AndNothingIsInstalled) {
  for (const std::string settings : {R"({"deadline_ms":"soon"})", R"({"deadline_ms":0})",
                                     R"({"deadline_ms":)", R"([1,2])", R"({"no_such_key":1})"}) {
    auto r = admin().put("loop", plugin_bytes("loop"), {{"X-Hookd-Settings", settings}});
    EXPECT_EQ(r.result_int(), 400) << settings << ": " << r.body();
    EXPECT_NE(error_of(r).find("X-Hookd-Settings"), std::string::npos);
  }
  EXPECT_EQ(call("loop", "ok").result_int(), 404);
}

TEST_F(AdminApi, DeleteIs204ThenTheRouteIs404AndDeletingAgainIs404) {
  ASSERT_EQ(admin().put("ver", plugin_bytes("version_a")).result_int(), 201);
  auto r = admin().remove("ver");
  EXPECT_EQ(r.result_int(), 204);
  EXPECT_TRUE(r.body().empty());
  EXPECT_EQ(call("ver", "which").result_int(), 404);
  EXPECT_TRUE(admin().listed("ver").is_null());
  EXPECT_EQ(admin().remove("ver").result_int(), 404);
  // A plugin from the config file can be removed too.
  EXPECT_EQ(admin().remove("echo").result_int(), 204);
  EXPECT_EQ(call("echo", "echo", "x").result_int(), 404);
}

TEST_F(AdminApi, InvalidPluginNameIs400) {
  for (const std::string& name :
       std::vector<std::string>{"bad.name", "bad%20name", std::string(65, 'n'), "a/b"}) {
    auto r = admin().put(name, plugin_bytes("version_a"));
    EXPECT_EQ(r.result_int(), 400) << name;
  }
  EXPECT_EQ(admin().put(std::string(64, 'n'), plugin_bytes("version_a")).result_int(), 201);
}

TEST_F(AdminApi, WrongMethodIs405WithAllow) {
  auto one = admin().send(http::verb::post, "/admin/plugins/echo", "x");
  EXPECT_EQ(one.result_int(), 405);
  EXPECT_EQ(one[http::field::allow], "GET, PUT, DELETE");
  auto all = admin().send(http::verb::put, "/admin/plugins", "x");
  EXPECT_EQ(all.result_int(), 405);
  EXPECT_EQ(all[http::field::allow], "GET");
  EXPECT_EQ(admin().send(http::verb::get, "/admin/nothing").result_int(), 404);
}

TEST_F(AdminApi, UploadSurvivesARestartWithTheSameSha256) {
  auto up = admin().put("ver", plugin_bytes("version_b"), {{"X-Hookd-Settings", R"({"deadline_ms":250})"}});
  ASSERT_EQ(up.result_int(), 201) << up.body();
  const std::string sha = std::string(json::parse(up.body()).at("sha256").as_string());
  ASSERT_TRUE(gateway_->drain());
  gateway_->stop();

  start();
  EXPECT_EQ(call("ver", "which").body(), "B");
  auto entry = admin().listed("ver");
  ASSERT_TRUE(entry.is_object());
  EXPECT_EQ(entry.at("sha256").as_string(), sha);
  EXPECT_EQ(entry.at("settings").at("deadline_ms").to_number<int64_t>(), 250);
  EXPECT_TRUE(entry.at("persisted").as_bool());
  EXPECT_EQ(call("echo", "echo", "config plugins load too").body(), "config plugins load too");
}

TEST_F(AdminApi, DeletionSurvivesARestart) {
  ASSERT_EQ(admin().put("ver", plugin_bytes("version_a")).result_int(), 201);
  start();
  ASSERT_EQ(call("ver", "which").body(), "A");
  ASSERT_EQ(admin().remove("ver").result_int(), 204);
  start();
  EXPECT_EQ(call("ver", "which").result_int(), 404);
  EXPECT_TRUE(admin().listed("ver").is_null());
}

TEST(AdminApiToken, GeneratedTokenIsWrittenWithMode0600AndWorks) {
  const auto dir = fresh_dir("admin-token");
  auto c = admin_test_config(dir);
  c.server.admin_token.clear();
  auto gateway = start_gateway(std::move(c));
  ASSERT_NE(gateway, nullptr);

  const auto file = dir / "admin.token";
  EXPECT_EQ(gateway->admin_token_file(), file);
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::ifstream in(file);
  std::string token;
  std::getline(in, token);
  EXPECT_EQ(token, gateway->admin_token());
  EXPECT_GE(token.size(), 32u);

  EXPECT_EQ(AdminClient(gateway->admin_port(), token).list().result_int(), 200);
  EXPECT_EQ(AdminClient(gateway->admin_port(), "test-token").list().result_int(), 401);
  gateway.reset();
  std::filesystem::remove_all(dir);
}

TEST(AdminApiToken, AGeneratedTokenIsKeptForTheNextStartUntilItsFileIsDeleted) {
  const auto dir = fresh_dir("admin-token-kept");
  auto config = [&] {
    auto c = admin_test_config(dir);
    c.server.admin_token.clear();
    return c;
  };
  auto gateway = start_gateway(config());
  ASSERT_NE(gateway, nullptr);
  const std::string first = gateway->admin_token();
  gateway.reset();

  gateway = start_gateway(config());
  ASSERT_NE(gateway, nullptr);
  EXPECT_EQ(gateway->admin_token(), first) << "a restart keeps the token";
  EXPECT_EQ(AdminClient(gateway->admin_port(), first).list().result_int(), 200);
  struct stat st {};
  ASSERT_EQ(::stat((dir / "admin.token").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  gateway.reset();

  std::filesystem::remove(dir / "admin.token");  // rotation
  gateway = start_gateway(config());
  ASSERT_NE(gateway, nullptr);
  EXPECT_NE(gateway->admin_token(), first);
  gateway.reset();
  std::filesystem::remove_all(dir);
}

TEST(AdminApiToken, ATokenFileWrittenByTheOperatorIsUsedWithoutItsNewline) {
  const auto dir = fresh_dir("admin-token-own");
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "admin.token") << "operator-chosen-token\n";
  std::filesystem::permissions(dir / "admin.token", std::filesystem::perms::owner_read |
                                                        std::filesystem::perms::owner_write |
                                                        std::filesystem::perms::others_read);
  auto c = admin_test_config(dir);
  c.server.admin_token.clear();
  auto gateway = start_gateway(std::move(c));
  ASSERT_NE(gateway, nullptr);
  EXPECT_EQ(gateway->admin_token(), "operator-chosen-token");
  struct stat st {};
  ASSERT_EQ(::stat((dir / "admin.token").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u) << "a token file others can read is restricted";
  gateway.reset();
  std::filesystem::remove_all(dir);
}

TEST(AdminApiToken, ATokenFileThatIsASymlinkOrEmptyStopsTheStart) {
  const auto dir = fresh_dir("admin-token-bad");
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "elsewhere") << "secret-of-someone-else";
  std::filesystem::create_symlink(dir / "elsewhere", dir / "admin.token");
  auto c = admin_test_config(dir);
  c.server.admin_token.clear();
  auto parts = server::real_parts(c, HOOKD_PLUGIN_DIR);
  ASSERT_TRUE(parts) << parts.error().describe();
  auto started = server::Gateway::start(c, std::move(*parts));
  ASSERT_FALSE(started);
  EXPECT_NE(started.error().message.find("admin.token"), std::string::npos) << started.error().message;
  EXPECT_NE(started.error().message.find("symlink"), std::string::npos) << started.error().message;

  std::filesystem::remove(dir / "admin.token");
  std::ofstream(dir / "admin.token") << "";
  parts = server::real_parts(c, HOOKD_PLUGIN_DIR);
  ASSERT_TRUE(parts) << parts.error().describe();
  started = server::Gateway::start(c, std::move(*parts));
  ASSERT_FALSE(started);
  EXPECT_NE(started.error().message.find("is empty"), std::string::npos) << started.error().message;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hookd::test
