// A plugin's signature setting: in [plugins.<name>] as `signature` or
// `signature_file`, in the admin API's settings JSON, and written back.
#include "hookd/config/plugin_manifest.hpp"
#include "hookd/config/plugin_settings_json.hpp"
#include "test_helpers.hpp"

namespace hookd::config {
namespace {

using ::testing::ElementsAre;
using testing::errors_of;
using ::testing::HasSubstr;
using testing::parse_ok;
using testing::TempDir;

// Shaped like a signature; the config does not check the cryptography.
const std::string kSignature = std::string(86, 'A') + "==";

void write(const std::filesystem::path& path, std::string_view text) {
  std::ofstream(path, std::ios::binary) << text;
}

TEST(PluginSignature, IsReadFromTheFile) {
  const Config config =
      parse_ok("[plugins.echo]\npath = \"echo.wasm\"\nsignature = \"" + kSignature + "\"\n");
  EXPECT_EQ(config.find_plugin("echo")->settings.signature, kSignature);
}

TEST(PluginSignature, IsEmptyWhenNotGiven) {
  const Config config = parse_ok("[plugins.echo]\npath = \"echo.wasm\"\n");
  EXPECT_EQ(config.find_plugin("echo")->settings.signature, "");
}

TEST(PluginSignature, SignatureFileIsReadRelativeToTheConfigFolderAndTrimmed) {
  TempDir dir;
  write(dir.path() / "echo.wasm.sig", kSignature + "\n");
  const Config config =
      parse_ok("[plugins.echo]\npath = \"echo.wasm\"\nsignature_file = \"echo.wasm.sig\"\n", dir.path());
  EXPECT_EQ(config.find_plugin("echo")->settings.signature, kSignature);
}

TEST(PluginSignature, SignatureAndSignatureFileTogetherAreAConflict) {
  TempDir dir;
  write(dir.path() / "echo.wasm.sig", kSignature);
  auto result = parse_config("[plugins.echo]\npath = \"echo.wasm\"\nsignature = \"" + kSignature +
                                 "\"\nsignature_file = \"echo.wasm.sig\"\n",
                             "hookd.toml", dir.path());
  ASSERT_FALSE(result);
  EXPECT_THAT(
      testing::printed(result.error()),
      ElementsAre("hookd.toml:4: plugins.echo.signature_file: give signature or signature_file, not both"));
}

TEST(PluginSignature, UnreadableOrWrongSignatureFilesAreClearErrors) {
  TempDir dir;
  write(dir.path() / "empty.sig", "\n");
  write(dir.path() / "two-words.sig", "AAAA BBBB\n");
  write(dir.path() / "huge.sig", std::string(5000, 'A'));
  for (const auto& [file, message] : std::vector<std::pair<std::string, std::string>>{
           {"missing.sig", "cannot read"},
           {"empty.sig", "does not hold a signature"},
           {"two-words.sig", "does not hold a signature"},
           {"huge.sig", "is larger than 4096 bytes"},
       }) {
    auto result = parse_config("[plugins.echo]\npath = \"echo.wasm\"\nsignature_file = \"" + file + "\"\n",
                               "hookd.toml", dir.path());
    ASSERT_FALSE(result) << file;
    ASSERT_EQ(result.error().size(), 1u) << to_string(result.error());
    EXPECT_THAT(result.error()[0].to_string(), HasSubstr("hookd.toml:3: plugins.echo.signature_file: "))
        << file;
    EXPECT_THAT(result.error()[0].to_string(), HasSubstr(message)) << file;
  }
}

TEST(PluginSignature, TextThatCannotBeASignatureIsRefused) {
  EXPECT_THAT(
      errors_of("[plugins.echo]\npath = \"e.wasm\"\nsignature = \"" + std::string(4097, 'A') + "\"\n"),
      ElementsAre(HasSubstr("hookd.toml:3: plugins.echo.signature: ")));
  EXPECT_THAT(errors_of("[plugins.echo]\npath = \"e.wasm\"\nsignature = \"AA AA\"\n"),
              ElementsAre("hookd.toml:3: plugins.echo.signature: must be printable ASCII without spaces"));
  EXPECT_THAT(errors_of("[plugins.echo]\npath = \"e.wasm\"\nsignature = 7\n"),
              ElementsAre(HasSubstr("hookd.toml:3: plugins.echo.signature: expected a string")));
}

TEST(PluginSignature, RoundTripsThroughTheSettingsJsonAndIsLeftOutWhenEmpty) {
  PluginSettings settings;
  settings.signature = kSignature;
  const std::string json = plugin_settings_to_json(settings);
  EXPECT_THAT(json, HasSubstr("\"signature\":\"" + kSignature + "\""));
  auto parsed = parse_plugin_settings_json(json);
  ASSERT_TRUE(parsed) << to_string(parsed.error());
  EXPECT_EQ(*parsed, settings);
  EXPECT_THAT(plugin_settings_to_json(PluginSettings{}), ::testing::Not(HasSubstr("signature")));
}

TEST(PluginSignature, IsWrittenBackByToToml) {
  Config config = defaults();
  config.plugins.push_back({"echo", "/p/echo.wasm", {}});
  config.plugins.back().settings.signature = kSignature;
  const std::string text = to_toml(config);
  auto reparsed = parse_config(text, "effective.toml");
  ASSERT_TRUE(reparsed) << to_string(reparsed.error()) << "\n" << text;
  EXPECT_EQ(reparsed->plugins, config.plugins);
  EXPECT_TRUE(validate(config).empty()) << to_string(validate(config));
}

TEST(Signing, TrustedKeysAndRequireSignatureAreRead) {
  const std::string key = "ed25519:" + std::string(43, 'B') + "=";
  const Config config = parse_ok("[signing]\ntrusted_keys = [\"" + key + "\"]\nrequire_signature = true\n");
  ASSERT_EQ(config.signing.trusted_keys.size(), 1u);
  EXPECT_EQ(config.signing.trusted_keys[0].text, key);
  EXPECT_TRUE(config.signing.require_signature);
}

// ---- signed manifests (hookd/config/plugin_manifest.hpp) -------------------

const std::string kSha(64, 'a');

PluginGrants grants_of(std::string_view settings_json) {
  auto settings = parse_plugin_settings_json(settings_json, "echo");
  EXPECT_TRUE(settings) << settings_json;
  return settings ? settings->grants : PluginGrants{};
}

TEST(PluginManifest, HasOneCanonicalTextThatParsesBack) {
  const PluginManifest m{
      "echo", kSha,
      grants_of(R"({"grants":{"kv":{"mode":"rw"},"fetch":["https://b.example.com","https://a.example.com",)"
                R"("https://a.example.com"],"config":true}})")};
  const std::string text = manifest_json(m);
  EXPECT_EQ(text,
            R"({"name":"echo","sha256":")" + kSha +
                R"(","grants":{"kv":{"namespace":"echo","mode":"rw"},"fetch":["https://a.example.com",)"
                R"("https://b.example.com"],"config":true,"log_level":"info","log_rate_per_sec":100}})");
  auto back = parse_manifest_json(text);
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(manifest_json(*back), text);
  EXPECT_EQ(back->name, "echo");
  EXPECT_FALSE(grants_beyond(m.grants, back->grants, "echo"));
  EXPECT_EQ(manifest_json({"echo", kSha, {}}),
            R"({"name":"echo","sha256":")" + kSha +
                R"(","grants":{"fetch":[],"config":false,"log_level":"info","log_rate_per_sec":100}})");
}

// The crypto grant appears only when given, so manifests signed before it
// existed keep their bytes (and their signatures).
TEST(PluginManifest, TheCryptoGrantIsWrittenOnlyWhenGiven) {
  const PluginManifest m{"echo", kSha, grants_of(R"({"grants":{"crypto":true}})")};
  const std::string text = manifest_json(m);
  EXPECT_EQ(text, R"({"name":"echo","sha256":")" + kSha +
                      R"(","grants":{"fetch":[],"config":false,"crypto":true,"log_level":"info",)"
                      R"("log_rate_per_sec":100}})");
  auto back = parse_manifest_json(text);
  ASSERT_TRUE(back) << back.error();
  EXPECT_TRUE(back->grants.crypto);
  EXPECT_EQ(manifest_json(*back), text);
}

TEST(PluginManifest, AnythingButTheCanonicalTextIsRefused) {
  const std::string canonical = manifest_json({"echo", kSha, {}});
  auto with = [&](std::string_view from, std::string_view to) {
    std::string t = canonical;
    t.replace(t.find(from), from.size(), to);
    return t;
  };
  for (const std::string& bad : {
           with(R"("name":"echo",)", R"("name": "echo",)"),                       // a space
           with(R"("fetch":[],)", R"("fetch":[],"kv":{"mode":"r"},)"),            // another order
           with(R"({"name":"echo",)", "{"),                                       // no name
           with(R"("name":"echo")", R"("name":"e/cho")"),                         // not a plugin name
           with(R"("sha256":")" + kSha + "\"", R"("sha256":"")"),                 // no digest
           with(R"("grants":{)", R"("max_memory_pages":1,"grants":{)"),           // not a grant
           with(R"("log_rate_per_sec":100)", R"("log_rate_per_sec":100,"x":1)"),  // unknown key
           std::string("[]"),
           std::string("not json"),
           std::string(),
       }) {
    EXPECT_FALSE(parse_manifest_json(bad)) << bad;
  }
}

TEST(PluginManifest, GrantsBeyondTheSignedOnesAreNamed) {
  const PluginGrants signed_grants =
      grants_of(R"({"grants":{"kv":{"mode":"r"},"fetch":["https://api.example.com"],"log_level":"info"}})");
  const std::pair<std::string, std::string> wider[] = {
      {R"({"grants":{"fetch":["http://169.254.169.254"]}})", R"(grants.fetch: "http://169.254.169.254)"},
      {R"({"grants":{"fetch":["https://*.example.com"]}})", "grants.fetch"},
      {R"({"grants":{"kv":{"mode":"rw"}}})", "grants.kv: mode rw is wider than the signed r"},
      {R"({"grants":{"kv":{"namespace":"other","mode":"r"}}})",
       R"(namespace "other" is not the signed "echo")"},
      {R"({"grants":{"config":true}})", "grants.config"},
      {R"({"grants":{"crypto":true}})", "grants.crypto: not in the signed manifest"},
      {R"({"grants":{"log_level":"debug"}})", "grants.log_level: debug is more verbose than the signed info"},
      {R"({"grants":{"log_rate_per_sec":101}})", "grants.log_rate_per_sec: 101 is more than the signed 100"},
  };
  for (const auto& [settings, message] : wider) {
    auto why = grants_beyond(grants_of(settings), signed_grants, "echo");
    ASSERT_TRUE(why) << settings;
    EXPECT_THAT(*why, HasSubstr(message));
  }
  for (std::string_view narrower :
       {R"({})", R"({"grants":{"kv":{"namespace":"echo","mode":"r"},"fetch":["https://api.example.com"]}})",
        R"({"grants":{"log_level":"error","log_rate_per_sec":1}})"}) {
    EXPECT_FALSE(grants_beyond(grants_of(narrower), signed_grants, "echo")) << narrower;
  }
}

}  // namespace
}  // namespace hookd::config
