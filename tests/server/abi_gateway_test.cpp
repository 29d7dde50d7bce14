// Extism and waPC plugins in the real gateway on port 0, built from source
// with the third-party AS toolkits (examples/assemblyscript, tests/plugins/as):
// - a function declared msgpack in the plugin's `formats` setting gets the
//   JSON<->msgpack transcoding a native msgpack function gets, over HTTP and
//   WebSocket, with the same 400 for malformed JSON;
// - /metrics shows each loaded plugin's ABI and module SHA-256 in
//   hookd_plugin_info, following replaces and deletes.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>
#include <sstream>

#include "admin_client.hpp"
#include "gateway_fixture.hpp"
#include "hookd/engine/sha256.hpp"
#include "http_client.hpp"
#include "ws_client.hpp"

namespace hookd::test {
namespace {

namespace json = boost::json;

const std::string kJsonBody = R"({"a":[1,2,"x"],"b":{"c":true}})";
// kJsonBody as the gateway encodes it (the smallest msgpack forms).
const std::string kMsgpackBody(
    "\x82\xa1"
    "a\x93\x01\x02\xa1x\xa1"
    "b\x81\xa1"
    "c\xc3",
    14);
const std::string kMsgpackSettings = R"({"formats":{"echo":"msgpack"}})";

class AbiGateway : public ::testing::Test {
 protected:
  void SetUp() override {
    data_dir_ = fresh_dir("abi");
    auto c = test_config(data_dir_);
    c.server.load_example_plugins = false;
    // A native msgpack function, to compare with.
    c.plugins.push_back(plugin_entry("greet", "greet"));
    // waPC from the config: its declared operation, declared msgpack.
    auto wapc = plugin_entry("wapc", "as_wapc_echo");
    wapc.settings.functions = {config::FunctionName{"echo"}};
    wapc.settings.formats = {{"echo", config::PayloadFormat::msgpack}};
    c.plugins.push_back(std::move(wapc));
    gateway_ = start_gateway(c);
    ASSERT_NE(gateway_, nullptr);
    // Extism through the admin API, its settings as JSON.
    auto up = admin().put("ext", plugin_bytes("as_extism_echo"), {{"X-Hookd-Settings", kMsgpackSettings}});
    ASSERT_EQ(up.result_int(), 201) << up.body();
  }
  void TearDown() override {
    gateway_.reset();
    std::filesystem::remove_all(data_dir_);
  }

  AdminClient admin() { return AdminClient(gateway_->admin_port(), "test-token"); }
  Response post(const std::string& target, const std::string& body, std::map<std::string, std::string> h) {
    HttpClient c(gateway_->port());
    return c.post(target, body, std::move(h));
  }

  // The hookd_plugin_info series of GET /metrics, by plugin: "abi sha256".
  std::map<std::string, std::string> plugin_info() {
    auto r = admin().send(http::verb::get, "/metrics");
    EXPECT_EQ(r.result_int(), 200);
    std::map<std::string, std::string> out;
    std::istringstream lines(r.body());
    std::string line;
    int help = 0;
    while (std::getline(lines, line)) {
      if (line == "# TYPE hookd_plugin_info gauge") ++help;
      if (!line.starts_with("hookd_plugin_info{")) continue;
      const auto label = [&](const std::string& name) {
        const auto at = line.find(name + "=\"");
        if (at == std::string::npos) return std::string("(none)");
        const auto from = at + name.size() + 2;
        return line.substr(from, line.find('"', from) - from);
      };
      EXPECT_TRUE(line.ends_with("} 1")) << line;
      out[label("plugin")] = label("abi") + " " + label("sha256");
    }
    EXPECT_EQ(help, 1) << "one family, with its TYPE line";
    return out;
  }

  std::filesystem::path data_dir_;
  std::unique_ptr<server::Gateway> gateway_;
};

TEST_F(AbiGateway, MsgpackFunctionsOfWapcAndExtismAnswerJsonWithJsonOverHttp) {
  for (const std::string plugin : {"wapc", "ext"}) {
    SCOPED_TRACE(plugin);
    auto r = post("/plugins/" + plugin + "/echo", kJsonBody, {{"Content-Type", "application/json"}});
    ASSERT_EQ(r.result_int(), 200) << r.body();
    EXPECT_EQ(r[http::field::content_type], "application/json");
    EXPECT_EQ(json::parse(r.body()), json::parse(kJsonBody));

    // What the plugin got (and echoed) was msgpack.
    auto m = post("/plugins/" + plugin + "/echo", kJsonBody,
                  {{"Content-Type", "application/json"}, {"Accept", "application/msgpack"}});
    ASSERT_EQ(m.result_int(), 200) << m.body();
    EXPECT_EQ(m[http::field::content_type], "application/msgpack");
    EXPECT_EQ(m.body(), kMsgpackBody);

    // msgpack in, JSON out when asked for.
    auto j = post("/plugins/" + plugin + "/echo", kMsgpackBody,
                  {{"Content-Type", "application/msgpack"}, {"Accept", "application/json"}});
    ASSERT_EQ(j.result_int(), 200) << j.body();
    EXPECT_EQ(json::parse(j.body()), json::parse(kJsonBody));
  }
  // Listed with their formats as any function is, and the setting as given.
  for (const std::string plugin : {"wapc", "ext"}) {
    bool found = false;
    const json::value listed = admin().listed(plugin);
    for (const auto& f : listed.at("functions").as_array()) {
      if (f.at("name").as_string() != "echo") continue;
      found = true;
      EXPECT_EQ(f.at("input").as_string(), "application/msgpack");
      EXPECT_EQ(f.at("output").as_string(), "application/msgpack");
    }
    EXPECT_TRUE(found) << plugin;
  }
  EXPECT_EQ(json::serialize(admin().listed("ext").at("settings").at("formats")), R"({"echo":"msgpack"})");
}

TEST_F(AbiGateway, MalformedJsonIsThe400OfANativeMsgpackFunction) {
  const std::string bad = R"({"name": )";
  auto native = post("/plugins/greet/greet", bad, {{"Content-Type", "application/json"}});
  ASSERT_EQ(native.result_int(), 400) << native.body();
  for (const std::string plugin : {"wapc", "ext"}) {
    SCOPED_TRACE(plugin);
    auto r = post("/plugins/" + plugin + "/echo", bad, {{"Content-Type", "application/json"}});
    EXPECT_EQ(r.result_int(), 400) << r.body();
    EXPECT_EQ(json::parse(r.body()).at("error"), json::parse(native.body()).at("error"));
    // The plugin still serves.
    EXPECT_EQ(post("/plugins/" + plugin + "/echo", "[1]", {{"Content-Type", "application/json"}}).body(),
              "[1]");
  }
}

TEST_F(AbiGateway, MsgpackFunctionsOfWapcAndExtismAnswerJsonTextOverWebSocket) {
  for (const std::string plugin : {"wapc", "ext"}) {
    SCOPED_TRACE(plugin);
    WsClient ws(gateway_->port());
    ASSERT_FALSE(ws.connect("/plugins/" + plugin + "/echo"));
    for (int i = 0; i < 2; ++i) {
      auto reply = ws.call(kJsonBody, true);
      ASSERT_TRUE(reply) << reply.error().message();
      EXPECT_TRUE(reply->text);
      EXPECT_EQ(json::parse(reply->data), json::parse(kJsonBody));
    }
    // Malformed JSON ends the session with 4000 + 400, the error as reason.
    auto bad = ws.call(R"({"a": )", true);
    ASSERT_FALSE(bad) << "an error is never a data message: " << bad->data;
    EXPECT_EQ(static_cast<unsigned>(ws.close_reason().code), 4400u);
    EXPECT_NE(std::string(ws.close_reason().reason.c_str()).find("JSON"), std::string::npos)
        << ws.close_reason().reason;
    WsClient again(gateway_->port());
    ASSERT_FALSE(again.connect("/plugins/" + plugin + "/echo"));
    auto after = again.call("[true]", true);
    ASSERT_TRUE(after) << after.error().message();
    EXPECT_EQ(after->data, "[true]");
  }
}

TEST_F(AbiGateway, AFormatForAFunctionTheExtismPluginLacksIsRefusedAtUpload) {
  auto up = admin().put("ext2", plugin_bytes("as_extism_echo"),
                        {{"X-Hookd-Settings", R"({"formats":{"echo":"msgpack","ech0":"json"}})"}});
  EXPECT_EQ(up.result_int(), 400) << up.body();
  EXPECT_NE(up.body().find(R"(formats: the plugin has no function \"ech0\")"), std::string::npos)
      << up.body();
  auto bad_value = admin().put("ext2", plugin_bytes("as_extism_echo"),
                               {{"X-Hookd-Settings", R"({"formats":{"echo":"protobuf"}})"}});
  EXPECT_EQ(bad_value.result_int(), 400) << bad_value.body();
  EXPECT_NE(bad_value.body().find("formats.echo"), std::string::npos) << bad_value.body();
  EXPECT_TRUE(admin().listed("ext2").is_null());
}

TEST_F(AbiGateway, MetricsShowEachPluginsAbiAndShaAndFollowReplaceAndDelete) {
  const std::string ext_sha = engine::sha256_hex(bytes(plugin_bytes("as_extism_echo")));
  auto info = plugin_info();
  ASSERT_EQ(info.size(), 3u);
  EXPECT_EQ(info["greet"], "hookd " + engine::sha256_hex(bytes(plugin_bytes("greet"))));
  EXPECT_EQ(info["ext"], "extism " + ext_sha);
  EXPECT_EQ(info["wapc"], "wapc " + engine::sha256_hex(bytes(plugin_bytes("as_wapc_echo"))));

  const std::string next = plugin_bytes("as_extism_count_vowels");
  auto replaced = admin().put("ext", next);
  ASSERT_EQ(replaced.result_int(), 200) << replaced.body();
  info = plugin_info();
  ASSERT_EQ(info.size(), 3u);
  EXPECT_EQ(info["ext"], "extism " + engine::sha256_hex(bytes(next)));
  EXPECT_NE(info["ext"], "extism " + ext_sha);

  ASSERT_EQ(admin().remove("ext").result_int(), 204);
  info = plugin_info();
  EXPECT_EQ(info.size(), 2u);
  EXPECT_EQ(info.count("ext"), 0u);
}

}  // namespace
}  // namespace hookd::test
