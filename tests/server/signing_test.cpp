// Signed plugins against a real gateway on port 0 with a real client: the
// admin PUT, the config loader and stored uploads all go through [signing],
// and the plugin lists say who signed each plugin. Keys are made in the test.
#include "hookd/signing/signing.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>

#include "admin_client.hpp"
#include "gateway_fixture.hpp"
#include "hookd/config/plugin_manifest.hpp"
#include "hookd/config/plugin_settings_json.hpp"
#include "http_client.hpp"

namespace hookd::test {
namespace {

namespace json = boost::json;

signing::KeyPair new_key() {
  auto key = signing::generate_key_pair();
  EXPECT_TRUE(key) << key.error();
  return key.value_or(signing::KeyPair{});
}

std::string signature_of(const signing::KeyPair& key, const std::string& module) {
  auto signature = signing::sign(
      key.private_pem, signing::sha256_hex({reinterpret_cast<const uint8_t*>(module.data()), module.size()}));
  EXPECT_TRUE(signature) << signature.error();
  return signature.value_or("");
}

// A manifest signature: `name`, `module`, and the grants of a settings JSON.
std::string manifest_signature_of(const signing::KeyPair& key, const std::string& name,
                                  const std::string& module, const std::string& settings_json = "{}") {
  auto settings = config::parse_plugin_settings_json(settings_json, name);
  EXPECT_TRUE(settings) << settings_json;
  const config::PluginManifest manifest{
      name, signing::sha256_hex({reinterpret_cast<const uint8_t*>(module.data()), module.size()}),
      settings ? settings->grants : config::PluginGrants{}};
  auto signature = signing::sign_manifest(key.private_pem, config::manifest_json(manifest));
  EXPECT_TRUE(signature) << signature.error();
  return signature.value_or("");
}

class SignedPlugins : public ::testing::Test {
 protected:
  void SetUp() override { data_dir_ = fresh_dir("signing"); }
  void TearDown() override {
    gateway_.reset();
    std::filesystem::remove_all(data_dir_);
  }

  // Trusts `trusted_` only.
  config::Config signing_config(bool require_signature) {
    auto c = test_config(data_dir_);
    c.server.load_example_plugins = false;
    c.server.public_plugin_list = true;
    c.signing.trusted_keys = {config::TrustedKey{signing::public_key_text(trusted_.public_key)}};
    c.signing.require_signature = require_signature;
    return c;
  }
  void start(config::Config c) {
    gateway_.reset();
    gateway_ = start_gateway(std::move(c));
    ASSERT_NE(gateway_, nullptr);
  }
  AdminClient admin() { return AdminClient(gateway_->admin_port(), "test-token"); }
  Response call(const std::string& plugin, const std::string& fn, const std::string& body = "") {
    HttpClient c(gateway_->port());
    return c.post("/plugins/" + plugin + "/" + fn, body);
  }
  Response put_signed(const std::string& name, const std::string& module, const std::string& signature) {
    return admin().put(name, module, {{"X-Hookd-Signature", signature}});
  }
  // "signed_by" of `name` in GET /plugins on the public listener.
  json::value public_signed_by(const std::string& name) {
    HttpClient c(gateway_->port());
    auto r = c.get("/plugins");
    EXPECT_EQ(r.result_int(), 200);
    if (r.result_int() != 200) return "not listed";
    const json::value all = json::parse(r.body());
    for (const auto& p : all.at("plugins").as_array()) {
      if (p.at("name").as_string() == name) return p.at("signed_by");
    }
    return "not listed";
  }
  bool stored(const std::string& name) {
    return std::filesystem::exists(data_dir_ / "plugins" / (name + ".wasm"));
  }

  std::filesystem::path data_dir_;
  std::unique_ptr<server::Gateway> gateway_;
  signing::KeyPair trusted_ = new_key();
  signing::KeyPair stranger_ = new_key();
  std::string echo_ = plugin_bytes("echo");
};

TEST_F(SignedPlugins, UploadSignedByATrustedKeyIsAcceptedAndTheListsNameTheKey) {
  start(signing_config(true));
  const std::string id = signing::key_id(trusted_.public_key);
  auto r = put_signed("echo", echo_, signature_of(trusted_, echo_));
  ASSERT_EQ(r.result_int(), 201) << r.body();
  EXPECT_EQ(json::parse(r.body()).at("signed_by"), json::value(id));
  EXPECT_EQ(admin().listed("echo").at("signed_by"), json::value(id));
  EXPECT_EQ(json::parse(admin().show("echo").body()).at("signed_by"), json::value(id));
  EXPECT_EQ(public_signed_by("echo"), json::value(id));
  EXPECT_EQ(call("echo", "echo", "signed").body(), "signed");
}

TEST_F(SignedPlugins, UnsignedUploadIsRefusedWith403WhenSignaturesAreRequired) {
  start(signing_config(true));
  auto r = admin().put("echo", echo_);
  ASSERT_EQ(r.result_int(), 403) << r.body();
  EXPECT_NE(error_of(r).find("unsigned"), std::string::npos) << r.body();
  EXPECT_EQ(admin().show("echo").result_int(), 404);
  EXPECT_FALSE(stored("echo"));
}

TEST_F(SignedPlugins, UploadSignedByAnUntrustedKeyIsRefusedWith403) {
  start(signing_config(true));
  auto r = put_signed("echo", echo_, signature_of(stranger_, echo_));
  ASSERT_EQ(r.result_int(), 403) << r.body();
  EXPECT_NE(error_of(r).find("signature does not match any trusted key"), std::string::npos) << r.body();
  EXPECT_EQ(admin().show("echo").result_int(), 404);
  EXPECT_FALSE(stored("echo"));
}

TEST_F(SignedPlugins, SignatureOfAnotherModuleIsRefusedAndTheSignedVersionKeepsServing) {
  start(signing_config(true));
  const std::string a = plugin_bytes("version_a");
  const std::string b = plugin_bytes("version_b");
  ASSERT_EQ(put_signed("ver", a, signature_of(trusted_, a)).result_int(), 201);
  auto r = put_signed("ver", b, signature_of(trusted_, a));
  ASSERT_EQ(r.result_int(), 403) << r.body();
  EXPECT_NE(error_of(r).find("signature does not match any trusted key"), std::string::npos) << r.body();
  EXPECT_EQ(call("ver", "which").body(), "A");
}

TEST_F(SignedPlugins, MalformedSignaturesAreRefusedWithAClearErrorAndTheGatewayKeepsServing) {
  start(signing_config(false));
  const std::string good = signature_of(trusted_, echo_);
  const std::string malformed[] = {
      "not base64 at all!",
      good.substr(0, 87),         // one character short
      good + "A",                 // one character long
      good.substr(0, 86) + "?=",  // right length, not base64
      std::string(8000, 'A'),     // long, but within the admin header limit
  };
  for (const std::string& bad : malformed) {
    auto r = put_signed("echo", echo_, bad);
    ASSERT_EQ(r.result_int(), 422) << bad.substr(0, 100) << ": " << r.body();
    EXPECT_NE(error_of(r).find("malformed signature"), std::string::npos) << r.body();
    EXPECT_LT(r.body().size(), 1000u) << "the signature is not echoed back";
  }
  // Past the admin listener's header limit: refused before the API sees it.
  auto huge = put_signed("echo", "", std::string(17 * 1024, 'A'));
  EXPECT_EQ(huge.result_int(), 431) << huge.body();
  EXPECT_EQ(admin().show("echo").result_int(), 404);
  ASSERT_EQ(put_signed("echo", echo_, good).result_int(), 201);
  EXPECT_EQ(call("echo", "echo", "still here").body(), "still here");
}

TEST_F(SignedPlugins, SignatureMayComeInTheSettingsAndTheHeaderOverridesIt) {
  start(signing_config(true));
  const std::string good = signature_of(trusted_, echo_);
  const std::string settings = R"({"signature":")" + good + R"("})";
  auto in_settings = admin().put("echo", echo_, {{"X-Hookd-Settings", settings}});
  ASSERT_EQ(in_settings.result_int(), 201) << in_settings.body();
  EXPECT_EQ(json::parse(in_settings.body()).at("settings").at("signature"), json::value(good));

  auto header_wins = admin().put(
      "echo", echo_, {{"X-Hookd-Settings", settings}, {"X-Hookd-Signature", signature_of(stranger_, echo_)}});
  EXPECT_EQ(header_wins.result_int(), 403) << header_wins.body();
  auto header_fixes = admin().put(
      "echo", echo_, {{"X-Hookd-Settings", R"({"signature":"AAAA"})"}, {"X-Hookd-Signature", good}});
  EXPECT_EQ(header_fixes.result_int(), 200) << header_fixes.body();
}

TEST_F(SignedPlugins, WithoutRequireSignatureUnsignedLoadsButAGivenSignatureMustVerify) {
  start(signing_config(false));
  auto unsigned_upload = admin().put("echo", echo_);
  ASSERT_EQ(unsigned_upload.result_int(), 201) << unsigned_upload.body();
  EXPECT_TRUE(json::parse(unsigned_upload.body()).at("signed_by").is_null());
  EXPECT_TRUE(public_signed_by("echo").is_null());

  auto untrusted = put_signed("echo", echo_, signature_of(stranger_, echo_));
  EXPECT_EQ(untrusted.result_int(), 403) << untrusted.body();
  EXPECT_TRUE(admin().listed("echo").at("signed_by").is_null()) << "the unsigned version still serves";

  auto trusted = put_signed("echo", echo_, signature_of(trusted_, echo_));
  ASSERT_EQ(trusted.result_int(), 200) << trusted.body();
  EXPECT_EQ(admin().listed("echo").at("signed_by"), json::value(signing::key_id(trusted_.public_key)));
}

TEST_F(SignedPlugins, StoredUploadKeepsItsSignatureAcrossARestartAndIsVerifiedAgain) {
  start(signing_config(true));
  ASSERT_EQ(put_signed("echo", echo_, signature_of(trusted_, echo_)).result_int(), 201);
  ASSERT_TRUE(gateway_->drain());

  start(signing_config(true));
  auto entry = admin().listed("echo");
  ASSERT_TRUE(entry.is_object()) << "the signed upload is loaded again";
  EXPECT_EQ(entry.at("signed_by"), json::value(signing::key_id(trusted_.public_key)));
  EXPECT_EQ(entry.at("settings").at("signature"), json::value(signature_of(trusted_, echo_)));
  EXPECT_EQ(call("echo", "echo", "after restart").body(), "after restart");

  // The key is no longer trusted: the stored upload is checked at start and not served.
  auto distrusting = signing_config(true);
  distrusting.signing.trusted_keys = {config::TrustedKey{signing::public_key_text(stranger_.public_key)}};
  start(std::move(distrusting));
  EXPECT_TRUE(admin().listed("echo").is_null());
  EXPECT_EQ(call("echo", "echo", "x").result_int(), 404);
}

TEST_F(SignedPlugins, ConfigPluginWithAValidSignatureLoadsAndShowsItsSigner) {
  auto c = signing_config(true);
  c.plugins.push_back(plugin_entry("echo", "echo"));
  c.plugins.back().settings.signature = signature_of(trusted_, echo_);
  start(std::move(c));
  EXPECT_EQ(admin().listed("echo").at("signed_by"), json::value(signing::key_id(trusted_.public_key)));
  EXPECT_EQ(call("echo", "echo", "from config").body(), "from config");
}

TEST_F(SignedPlugins, ConfigPluginThatIsUnsignedOrWronglySignedStopsStartup) {
  struct Case {
    bool require;
    std::string signature;
    std::string error;
  };
  const Case cases[] = {
      {true, "", "unsigned"},
      {true, signature_of(stranger_, echo_), "signature does not match any trusted key"},
      {false, signature_of(stranger_, echo_), "signature does not match any trusted key"},
      {false, "AAAA", "malformed signature"},
  };
  for (const Case& k : cases) {
    auto c = signing_config(k.require);
    c.plugins.push_back(plugin_entry("echo", "echo"));
    c.plugins.back().settings.signature = k.signature;
    auto g = server::start_gateway({std::move(c), HOOKD_PLUGIN_DIR});
    ASSERT_FALSE(g) << k.error;
    EXPECT_NE(g.error().message.find("plugin echo"), std::string::npos) << g.error().message;
    EXPECT_NE(g.error().message.find(k.error), std::string::npos) << g.error().message;
  }
}

// --- manifest signatures: the name and the grants are signed too -------------

const std::string kApiGrant = R"({"grants":{"fetch":["https://api.example.com"]}})";
const std::string kMetadataGrant = R"({"grants":{"fetch":["http://169.254.169.254"]}})";

TEST_F(SignedPlugins, AModuleSignatureLeavesTheNameAndTheGrantsToWhoeverInstalls) {
  // What a module-only signature does not protect: the same signed module,
  // under another name, may reach the cloud metadata address.
  start(signing_config(true));
  auto r = admin().put(
      "anything", echo_,
      {{"X-Hookd-Signature", signature_of(trusted_, echo_)}, {"X-Hookd-Settings", kMetadataGrant}});
  EXPECT_EQ(r.result_int(), 201) << r.body();
}

TEST_F(SignedPlugins, ManifestSignatureInstallsUnderItsNameWithItsGrantsOrLess) {
  start(signing_config(true));
  const std::string signature = manifest_signature_of(trusted_, "echo", echo_, kApiGrant);
  auto r = admin().put("echo", echo_, {{"X-Hookd-Signature", signature}, {"X-Hookd-Settings", kApiGrant}});
  ASSERT_EQ(r.result_int(), 201) << r.body();
  EXPECT_EQ(json::parse(r.body()).at("signed_by"), json::value(signing::key_id(trusted_.public_key)));
  EXPECT_EQ(call("echo", "echo", "manifest").body(), "manifest");
  // Fewer grants than signed is fine.
  auto narrower = put_signed("echo", echo_, signature);
  EXPECT_EQ(narrower.result_int(), 200) << narrower.body();
}

TEST_F(SignedPlugins, ManifestSignatureRefusesAnotherNameWiderGrantsOrAnotherModule) {
  start(signing_config(false));
  const std::string signature = manifest_signature_of(trusted_, "echo", echo_, kApiGrant);
  struct Case {
    std::string name;
    std::string settings;
    int status;
    std::string error;
  };
  const Case cases[] = {
      {"renamed", kApiGrant, 403, R"(manifest is signed for the plugin name "echo", not "renamed")"},
      {"echo", kMetadataGrant, 403,
       R"(grants wider than the signed manifest allows: grants.fetch: "http://169.254.169.254)"},
      {"echo", R"({"grants":{"fetch":["https://api.example.com","https://*.example.com"]}})", 403,
       "grants.fetch: \"https://*.example.com"},
      {"echo", R"({"grants":{"kv":{"mode":"r"}}})", 403,
       "grants.kv: KV access is not in the signed manifest"},
      {"echo", R"({"grants":{"config":true}})", 403, "grants.config: not in the signed manifest"},
      {"echo", R"({"grants":{"log_level":"trace"}})", 403, "grants.log_level: trace is more verbose"},
  };
  for (const Case& k : cases) {
    auto r = admin().put(k.name, echo_, {{"X-Hookd-Signature", signature}, {"X-Hookd-Settings", k.settings}});
    EXPECT_EQ(r.result_int(), k.status) << k.name << " " << k.settings << ": " << r.body();
    const auto body = boost::json::parse(r.body());
    const std::string error(body.at("error").as_string());
    EXPECT_NE(error.find(k.error), std::string::npos) << k.error << " in " << r.body();
    EXPECT_EQ(admin().show(k.name).result_int(), 404) << k.name;
  }
  // Signed for another module.
  auto other = put_signed("echo", echo_, manifest_signature_of(trusted_, "echo", plugin_bytes("version_a")));
  EXPECT_EQ(other.result_int(), 403) << other.body();
  EXPECT_NE(error_of(other).find("manifest is signed for another module"), std::string::npos) << other.body();
  // Signed by a key that is not trusted.
  auto stranger = put_signed("echo", echo_, manifest_signature_of(stranger_, "echo", echo_));
  EXPECT_EQ(stranger.result_int(), 403) << stranger.body();
  EXPECT_NE(error_of(stranger).find("manifest signature does not match any trusted key"), std::string::npos);
  EXPECT_FALSE(stored("echo"));
}

TEST_F(SignedPlugins, MalformedOrNonCanonicalManifestsAreRefusedWith422) {
  start(signing_config(false));
  const std::string good = manifest_signature_of(trusted_, "echo", echo_);
  const std::string sha = signing::sha256_hex({reinterpret_cast<const uint8_t*>(echo_.data()), echo_.size()});
  // Signed by a trusted key, but with a space: two spellings must not sign one manifest.
  auto spaced = signing::sign_manifest(
      trusted_.private_pem,
      R"({"name": "echo","sha256":")" + sha +
          R"(","grants":{"fetch":[],"config":false,"log_level":"info","log_rate_per_sec":100}})");
  ASSERT_TRUE(spaced);
  const std::string bad[] = {"manifest:",
                             "manifest:AAAA",
                             good.substr(0, good.size() - 1),
                             "manifest:" + std::string(5000, 'A'),
                             "manifest:!!!!." + good.substr(good.find('.') + 1),
                             *spaced};
  for (const std::string& signature : bad) {
    auto r = put_signed("echo", echo_, signature);
    EXPECT_EQ(r.result_int(), 422) << signature.substr(0, 100) << ": " << r.body();
    EXPECT_NE(error_of(r).find("malformed manifest"), std::string::npos) << r.body();
    EXPECT_LT(r.body().size(), 1000u) << "the signature is not echoed back";
  }
  ASSERT_EQ(put_signed("echo", echo_, good).result_int(), 201);
}

TEST_F(SignedPlugins, ConfigPluginOutsideItsSignedManifestStopsStartup) {
  auto c = signing_config(true);
  c.plugins.push_back(plugin_entry("echo", "echo"));
  c.plugins.back().settings.signature = manifest_signature_of(trusted_, "echo", echo_);
  c.plugins.back().settings.grants.config = true;
  auto g = server::start_gateway({std::move(c), HOOKD_PLUGIN_DIR});
  ASSERT_FALSE(g);
  EXPECT_NE(g.error().message.find("grants.config: not in the signed manifest"), std::string::npos)
      << g.error().message;
}

TEST_F(SignedPlugins, UnsignedExamplePluginsAreNotLoadedWhenSignaturesAreRequired) {
  auto c = signing_config(true);
  c.server.load_example_plugins = true;
  start(std::move(c));
  auto list = admin().list();
  ASSERT_EQ(list.result_int(), 200);
  EXPECT_TRUE(json::parse(list.body()).at("plugins").as_array().empty()) << list.body();
}

}  // namespace
}  // namespace hookd::test
