// Where plugins come from and which source wins (README "Plugin sources"):
// the config file's plugins are pinned (an upload of that name is 409, and a
// restart serves what the config file says); uploads stored in the data dir
// come next; the examples load only when there is neither, and the start-up
// log says why for each.
#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "admin_client.hpp"
#include "gateway_fixture.hpp"
#include "http_client.hpp"
#include "plugins/plugin_store.hpp"

namespace hookd::test {
namespace {

namespace json = boost::json;

// The default logger's lines for the life of the object.
class StartupLog {
 public:
  StartupLog() : sink_(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(2000)) {
    spdlog::default_logger()->sinks().push_back(sink_);
  }
  ~StartupLog() {
    auto& sinks = spdlog::default_logger()->sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
  }
  bool has(std::string_view needle) const {
    for (const auto& l : sink_->last_formatted()) {
      if (l.find(needle) != std::string::npos) return true;
    }
    return false;
  }
  std::string all() const {
    std::string out;
    for (const auto& l : sink_->last_formatted()) out += l;
    return out;
  }

 private:
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
};

config::PluginConfig greeter(std::string greeting) {
  auto p = plugin_entry("greeter", "greeter");
  p.settings.config["greeting"] = std::move(greeting);
  p.settings.grants.config = true;
  return p;
}

class PluginSources : public ::testing::Test {
 protected:
  void SetUp() override { data_dir_ = fresh_dir("sources"); }
  void TearDown() override {
    gateway_.reset();
    std::filesystem::remove_all(data_dir_);
  }
  void start(std::vector<config::PluginConfig> plugins, bool examples = false) {
    gateway_.reset();
    auto c = test_config(data_dir_);
    c.server.load_example_plugins = examples;
    c.plugins = std::move(plugins);
    gateway_ = start_gateway(std::move(c));
    ASSERT_NE(gateway_, nullptr);
  }
  AdminClient admin() { return AdminClient(gateway_->admin_port(), "test-token"); }
  Response call(const std::string& plugin, const std::string& fn, const std::string& body) {
    return HttpClient(gateway_->port()).post("/plugins/" + plugin + "/" + fn, body);
  }

  std::filesystem::path data_dir_;
  std::unique_ptr<server::Gateway> gateway_;
};

TEST_F(PluginSources, AnUploadOverAConfigFilePluginIs409AndChangesNothing) {
  start({greeter("Hello from the config file")});
  auto r =
      admin().put("greeter", plugin_bytes("version_b"),
                  {{"X-Hookd-Settings", R"({"config":{"greeting":"uploaded"},"grants":{"config":true}})"}});
  ASSERT_EQ(r.result_int(), 409) << r.body();
  EXPECT_EQ(r[http::field::content_type], "application/json");
  const json::value error = json::parse(r.body());
  EXPECT_EQ(error.at("plugin"), "greeter");
  const std::string message(error.at("error").as_string());
  EXPECT_NE(message.find("config file"), std::string::npos) << message;
  EXPECT_NE(message.find("[plugins.greeter]"), std::string::npos) << message;
  EXPECT_EQ(call("greeter", "greet", "Ada").body(), "Hello from the config file, Ada!");
  EXPECT_FALSE(std::filesystem::exists(data_dir_ / "plugins" / "greeter.plugin"));
  // Other names still upload.
  EXPECT_EQ(admin().put("ver", plugin_bytes("version_a")).result_int(), 201);
}

TEST_F(PluginSources, ARestartAfterUploadsServesTheConfigFilesModuleAndValues) {
  start({greeter("Hello")});
  ASSERT_EQ(admin()
                .put("greeter", plugin_bytes("greeter"),
                     {{"X-Hookd-Settings", R"({"config":{"greeting":"Stale"}})"}})
                .result_int(),
            409);
  ASSERT_EQ(admin().put("ver", plugin_bytes("version_a")).result_int(), 201);
  // An upload of that name an earlier version stored: it stays on disk but
  // does not shadow the config file.
  server::PluginStore store(data_dir_ / "plugins");
  config::PluginSettings stale;
  stale.config["greeting"] = "Stale";
  stale.grants.config = true;
  const std::string module = plugin_bytes("greeter");
  ASSERT_TRUE(store.save("greeter", bytes(module), stale).has_value());

  StartupLog log;
  start({greeter("Bonjour")});  // the operator changed the greeting
  EXPECT_EQ(call("greeter", "greet", "Ada").body(), "Bonjour, Ada!");
  EXPECT_EQ(admin().listed("greeter").at("settings").at("config").at("greeting"), "Bonjour");
  EXPECT_EQ(call("ver", "which", "").body(), "A");
  EXPECT_TRUE(log.has("plugin greeter: from the config file")) << log.all();
  EXPECT_TRUE(log.has("plugin greeter: the upload stored in")) << log.all();
  EXPECT_TRUE(log.has("plugin ver: from an upload stored in")) << log.all();
}

TEST_F(PluginSources, ExamplesLoadOnlyWhileNoPluginSourceExistsAndTheLogSaysWhy) {
  {
    StartupLog log;
    start({}, true);
    EXPECT_EQ(call("echo", "echo", "example").body(), "example");
    EXPECT_TRUE(log.has("loading the example plugins because no plugin source is configured")) << log.all();
    EXPECT_TRUE(log.has("plugin echo: an example")) << log.all();
  }
  ASSERT_EQ(admin().put("ver", plugin_bytes("version_a")).result_int(), 201);
  {
    StartupLog log;
    start({}, true);
    EXPECT_EQ(call("echo", "echo", "example").result_int(), 404);
    EXPECT_EQ(call("ver", "which", "").body(), "A");
    EXPECT_TRUE(log.has("not loading the example plugins because uploaded plugins are stored in"))
        << log.all();
  }
  ASSERT_EQ(admin().remove("ver").result_int(), 204);
  {
    StartupLog log;
    start({greeter("Hi")}, true);
    EXPECT_EQ(call("echo", "echo", "example").result_int(), 404);
    EXPECT_TRUE(log.has("not loading the example plugins because the config file lists plugins"))
        << log.all();
  }
  {
    StartupLog log;
    start({}, false);
    EXPECT_EQ(call("echo", "echo", "example").result_int(), 404);
    EXPECT_TRUE(log.has("not loading the example plugins because server.load_example_plugins is false"))
        << log.all();
  }
  {
    StartupLog log;
    start({}, true);  // nothing configured, nothing stored: the examples again
    EXPECT_EQ(call("echo", "echo", "back").body(), "back");
  }
}

}  // namespace
}  // namespace hookd::test
