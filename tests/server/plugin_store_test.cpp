// Persistence of uploaded plugins: module and settings as one 0600 file
// replaced by one rename, temporary files created exclusively and never
// through a symlink, older stored pairs migrated once, and a private data
// directory.
#include "plugins/plugin_store.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <iterator>

#include "admin_client.hpp"
#include "gateway_fixture.hpp"
#include "plugins/data_dir.hpp"

namespace hookd::test {
namespace {

namespace fs = std::filesystem;
using server::PluginStore;
using server::StoredPlugin;

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  if (::lstat(p.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void spit(const fs::path& p, std::string_view bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << bytes;
}

std::vector<uint8_t> module_bytes(std::string_view s) { return {s.begin(), s.end()}; }

config::PluginSettings settings_with(std::string key) {
  config::PluginSettings s;
  s.config["api_key"] = std::move(key);
  return s;
}

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& f : fs::directory_iterator(dir)) out.push_back(f.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

StoredPlugin only(PluginStore& store) {
  std::vector<std::string> problems;
  auto all = store.load_all(problems);
  EXPECT_TRUE(problems.empty()) << problems.front();
  EXPECT_EQ(all.size(), 1u);
  return all.empty() ? StoredPlugin{} : std::move(all.front());
}

TEST(PluginStore, ModuleAndSettingsAreOneFileReadableOnlyByTheOwner) {
  const auto dir = fresh_dir("store") / "plugins";
  PluginStore store(dir);
  ASSERT_TRUE(store.save("p", module_bytes("code-one"), settings_with("k1")));
  EXPECT_EQ(names_in(dir), std::vector<std::string>{"p.plugin"});
  EXPECT_EQ(mode_of(dir / "p.plugin"), 0600u);
  EXPECT_EQ(mode_of(dir), 0700u);
  auto p = only(store);
  EXPECT_EQ(p.name, "p");
  EXPECT_EQ(p.wasm, module_bytes("code-one"));
  EXPECT_EQ(p.settings.config.at("api_key"), "k1");
}

// The real system calls, but the one named `step` ("write", "fsync",
// "rename") fails with EIO, as on a failing disk, while `failing` is set.
class FailingStep final : public server::FileSystem {
 public:
  explicit FailingStep(std::string step) : step_(std::move(step)) {}
  bool failing = false;

  ssize_t write(int fd, const void* data, size_t size) override {
    if (fails("write")) return -1;
    return FileSystem::write(fd, data, size);
  }
  int fsync(int fd) override { return fails("fsync") ? -1 : FileSystem::fsync(fd); }
  int rename(const char* from, const char* to) override {
    return fails("rename") ? -1 : FileSystem::rename(from, to);
  }

 private:
  bool fails(std::string_view step) {
    if (!failing || step != step_) return false;
    errno = EIO;
    return true;
  }
  std::string step_;
};

// A failure at any step of replacing a plugin (what a crash or a full disk
// does) leaves the old module with its old settings, and no stray file.
class PluginStoreFault : public ::testing::TestWithParam<std::string> {};

TEST_P(PluginStoreFault, AFailedReplaceLeavesTheOldPairIntact) {
  const auto dir = fresh_dir("store-fault") / "plugins";
  FailingStep files(GetParam());
  PluginStore store(dir, files);
  ASSERT_TRUE(store.save("p", module_bytes("old-code"), settings_with("old-key")));
  files.failing = true;
  auto r = store.save("p", module_bytes("new-code"), settings_with("new-key"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find(dir.string()), std::string::npos) << r.error().message;
  files.failing = false;

  EXPECT_EQ(names_in(dir), std::vector<std::string>{"p.plugin"});
  auto p = only(store);
  EXPECT_EQ(p.wasm, module_bytes("old-code"));
  EXPECT_EQ(p.settings.config.at("api_key"), "old-key");
}

INSTANTIATE_TEST_SUITE_P(Steps, PluginStoreFault, ::testing::Values("write", "fsync", "rename"));

TEST(PluginStore, ATemporaryFileACrashLeftBehindIsIgnoredAndRemoved) {
  const auto dir = fresh_dir("store-crash") / "plugins";
  PluginStore store(dir);
  ASSERT_TRUE(store.save("p", module_bytes("old-code"), settings_with("old-key")));
  spit(dir / ".p.plugin.0123456789abcdef01234567.tmp", "hookd-plugin v1\nhalf-writ");
  auto p = only(store);
  EXPECT_EQ(p.wasm, module_bytes("old-code"));
  EXPECT_EQ(names_in(dir), std::vector<std::string>{"p.plugin"});
}

TEST(PluginStore, SymlinksPlantedAtTemporaryOrFinalNamesAreNotFollowed) {
  const auto root = fresh_dir("store-link");
  const auto dir = root / "plugins";
  fs::create_directories(dir);
  const auto victim = root / "victim";
  spit(victim, "precious");
  // The names earlier versions wrote through (O_CREAT | O_TRUNC, following
  // symlinks), and the final name itself.
  for (const char* name : {"p.wasm.tmp", "p.json.tmp", "p.plugin.tmp", ".p.plugin.tmp", "p.plugin"}) {
    fs::create_symlink(victim, dir / name);
  }
  PluginStore store(dir);
  ASSERT_TRUE(store.save("p", module_bytes("code"), settings_with("key")));
  EXPECT_EQ(slurp(victim), "precious");
  EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(dir / "p.plugin")));
  EXPECT_EQ(mode_of(dir / "p.plugin"), 0600u);
}

TEST(PluginStore, APairStoredByAnEarlierVersionIsLoadedAndMigratedOnce) {
  const auto dir = fresh_dir("store-legacy") / "plugins";
  fs::create_directories(dir);
  spit(dir / "old.wasm", "legacy-code");
  spit(dir / "old.json", R"({"config":{"api_key":"legacy-key"}})");
  ::chmod((dir / "old.json").c_str(), 0644);
  PluginStore store(dir);
  auto p = only(store);
  EXPECT_EQ(p.name, "old");
  EXPECT_EQ(p.wasm, module_bytes("legacy-code"));
  EXPECT_EQ(p.settings.config.at("api_key"), "legacy-key");
  EXPECT_EQ(names_in(dir), std::vector<std::string>{"old.plugin"});
  EXPECT_EQ(mode_of(dir / "old.plugin"), 0600u);
  auto again = only(store);
  EXPECT_EQ(again.wasm, module_bytes("legacy-code"));
  EXPECT_EQ(again.settings.config.at("api_key"), "legacy-key");
}

TEST(PluginStore, ACorruptFileIsReportedAndSkipped) {
  const auto dir = fresh_dir("store-corrupt") / "plugins";
  PluginStore store(dir);
  ASSERT_TRUE(store.save("good", module_bytes("code"), settings_with("key")));
  spit(dir / "bad.plugin", std::string("hookd-plugin v1\n\xff\xff\xff\xff\xff\xff\xff\x7f{}", 26));
  spit(dir / "short.plugin", "hookd-plu");
  std::vector<std::string> problems;
  auto all = store.load_all(problems);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all.front().name, "good");
  EXPECT_EQ(problems.size(), 2u);
}

TEST(DataDir, IsCreatedPrivateAndALooserOneIsTightened) {
  const auto root = fresh_dir("datadir");
  ASSERT_TRUE(server::ensure_private_dir(root / "fresh" / "data"));
  EXPECT_EQ(mode_of(root / "fresh" / "data"), 0700u);
  fs::create_directories(root / "open");
  ::chmod((root / "open").c_str(), 0755);
  ASSERT_TRUE(server::ensure_private_dir(root / "open"));
  EXPECT_EQ(mode_of(root / "open"), 0700u);
  spit(root / "file", "x");
  EXPECT_FALSE(server::ensure_private_dir(root / "file"));
}

TEST(DataDir, TheGatewayKeepsItsDataDirPrivateAndUploadedSettingsAt0600) {
  const auto data = fresh_dir("datadir-gw");
  ::chmod(data.c_str(), 0755);
  auto c = test_config(data);
  c.server.load_example_plugins = false;
  auto g = start_gateway(std::move(c));
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(mode_of(data), 0700u);
  AdminClient admin(g->admin_port(), "test-token");
  auto r =
      admin.put("keyed", plugin_bytes("echo"), {{"X-Hookd-Settings", R"({"config":{"api_key":"secret"}})"}});
  ASSERT_EQ(r.result_int(), 201) << r.body();
  EXPECT_EQ(mode_of(data / "plugins"), 0700u);
  EXPECT_EQ(mode_of(data / "plugins" / "keyed.plugin"), 0600u);
  // Its version too (version_store.hpp): the same settings, the same modes.
  EXPECT_EQ(names_in(data / "plugins"), (std::vector<std::string>{"keyed.plugin", "versions"}));
  EXPECT_EQ(mode_of(data / "plugins" / "versions"), 0700u);
  EXPECT_EQ(mode_of(data / "plugins" / "versions" / "keyed"), 0700u);
  EXPECT_EQ(mode_of(data / "plugins" / "versions" / "keyed" / "1.plugin"), 0600u);
  EXPECT_EQ(mode_of(data / "plugins" / "versions" / "keyed" / "index.json"), 0600u);
  g.reset();
  fs::remove_all(data);
}

}  // namespace
}  // namespace hookd::test
