// An Extism plugin (tests/plugins/extism_raw.c, the raw kernel imports) in
// the real gateway on port 0: uploaded through the admin API, listed with its
// ABI, called over HTTP with raw bytes in and out, its errors and traps
// mapped as a hookd plugin's are, and its config served from its settings.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "admin_client.hpp"
#include "gateway_fixture.hpp"
#include "http_client.hpp"

namespace hookd::test {
namespace {

namespace json = boost::json;

class ExtismGateway : public ::testing::Test {
 protected:
  void SetUp() override {
    data_dir_ = fresh_dir("extism");
    auto c = test_config(data_dir_);
    c.server.load_example_plugins = false;
    c.server.public_plugin_list = true;  // GET /plugins on the public port too
    gateway_ = start_gateway(c);
    ASSERT_NE(gateway_, nullptr);
  }
  void TearDown() override {
    gateway_.reset();
    std::filesystem::remove_all(data_dir_);
  }

  AdminClient admin() { return AdminClient(gateway_->admin_port(), "test-token"); }
  Response call(const std::string& fn, const std::string& body = "") {
    HttpClient c(gateway_->port());
    return c.post("/plugins/ext/" + fn, body);
  }

  std::filesystem::path data_dir_;
  std::unique_ptr<server::Gateway> gateway_;
};

TEST_F(ExtismGateway, AnExtismPluginUploadedThroughTheAdminApiIsListedWithItsAbiAndServed) {
  auto up = admin().put("ext", plugin_bytes("extism_raw"),
                        {{"X-Hookd-Settings", R"({"config":{"greeting":"hi"},"grants":{"config":true}})"}});
  ASSERT_EQ(up.result_int(), 201) << up.body();
  EXPECT_EQ(json::parse(up.body()).at("abi").as_string(), "extism");
  EXPECT_EQ(admin().listed("ext").at("abi").as_string(), "extism");

  HttpClient c(gateway_->port());
  auto list = json::parse(c.get("/plugins").body());
  bool listed = false;
  for (const auto& p : list.at("plugins").as_array()) {
    if (p.at("name").as_string() == "ext") {
      listed = true;
      EXPECT_EQ(p.at("abi").as_string(), "extism");
    }
  }
  EXPECT_TRUE(listed);

  auto echo = call("echo", "hello extism");
  ASSERT_EQ(echo.result_int(), 200) << echo.body();
  EXPECT_EQ(echo.body(), "hello extism");
  EXPECT_EQ(echo[http::field::content_type], "application/octet-stream");

  auto vowels = call("count_vowels", "Hello, World!");
  ASSERT_EQ(vowels.result_int(), 200);
  EXPECT_EQ(vowels.body(), "{\"count\":3}");

  auto config = call("config", "greeting");
  ASSERT_EQ(config.result_int(), 200);
  EXPECT_EQ(config.body(), "hi");
}

TEST_F(ExtismGateway, APluginErrorIs422WithItsMessageAndATrapIs500AndTheWorkerKeepsServing) {
  ASSERT_EQ(admin().put("ext", plugin_bytes("extism_raw")).result_int(), 201);
  auto failed = call("fail");
  EXPECT_EQ(failed.result_int(), 422);
  EXPECT_EQ(json::parse(failed.body()).at("error").as_string(), "something went wrong");

  auto trapped = call("load_out_of_range");
  EXPECT_EQ(trapped.result_int(), 500);
  for (int i = 0; i < 4; ++i) {  // both workers, whichever took the trap
    auto ok = call("echo", "after");
    ASSERT_EQ(ok.result_int(), 200);
    EXPECT_EQ(ok.body(), "after");
  }
  EXPECT_EQ(call("nope").result_int(), 404);
}

}  // namespace
}  // namespace hookd::test
