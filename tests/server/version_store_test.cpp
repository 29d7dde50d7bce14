// The data directory's version store (server/src/plugins/version_store.hpp)
// on its own: a failed write changes nothing, a damaged index is an error
// rather than a guess, and at start the serving copy finds its version.
#include "plugins/version_store.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <fstream>

#include "temp_dir.hpp"

namespace hookd::test {
namespace {

namespace fs = std::filesystem;
using server::StoredPlugin;
using server::VersionInfo;
using server::VersionStore;

std::vector<uint8_t> version_code(std::string_view s) { return {s.begin(), s.end()}; }

config::PluginSettings version_settings(std::string key) {
  config::PluginSettings s;
  s.config["api_key"] = std::move(key);
  return s;
}

// Fails every rename (as a full or failing disk would fail the last step).
class FailingRename : public server::FileSystem {
 public:
  int rename(const char*, const char*) override {
    errno = EIO;
    return -1;
  }
};

std::vector<std::string> version_files(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& f : fs::directory_iterator(dir)) out.push_back(f.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(VersionStore, AddsNumberedVersionsAndPrunesTheOldestBeyondTheCount) {
  const auto dir = fresh_dir("version-store") / "versions";
  VersionStore store(dir, 2);
  for (int i = 1; i <= 3; ++i) {
    auto v = store.add("p", version_code("code-" + std::to_string(i)), version_settings("k"),
                       VersionInfo{.created_by = "me"});
    ASSERT_TRUE(v.has_value()) << v.error().message;
    EXPECT_EQ(v->number, static_cast<uint64_t>(i));
  }
  auto h = store.history("p");
  ASSERT_TRUE(h && *h);
  EXPECT_EQ((*h)->next, 4u);
  EXPECT_EQ((*h)->serving, 3u);
  ASSERT_EQ((*h)->versions.size(), 2u);
  EXPECT_EQ((*h)->versions[0].number, 2u);
  EXPECT_EQ(version_files(dir / "p"), (std::vector<std::string>{"2.plugin", "3.plugin", "index.json"}));
  auto two = store.load("p", 2);
  ASSERT_TRUE(two && *two);
  EXPECT_EQ((*two)->wasm, version_code("code-2"));
  EXPECT_EQ((*two)->settings.config.at("api_key"), "k");
  EXPECT_FALSE(*store.load("p", 1));
  EXPECT_TRUE(*store.set_serving("p", 2));
  EXPECT_FALSE(*store.set_serving("p", 1));
  EXPECT_EQ((*store.history("p"))->serving, 2u);
  ASSERT_TRUE(store.remove("p"));
  EXPECT_FALSE(*store.history("p"));
  fs::remove_all(dir.parent_path());
}

TEST(VersionStore, AStagedVersionIsKeptWithoutServingAndNeverPrunesTheServingOne) {
  const auto dir = fresh_dir("version-store-staged") / "versions";
  VersionStore store(dir, 2);
  for (int i = 1; i <= 4; ++i) {
    const bool serve = i <= 2;  // 1 and 2 uploaded, 3 and 4 staged beside 2
    auto v = store.add("p", version_code("code-" + std::to_string(i)), version_settings("k"), VersionInfo{},
                       serve);
    ASSERT_TRUE(v.has_value()) << v.error().message;
    EXPECT_EQ(v->number, static_cast<uint64_t>(i));
  }
  auto h = store.history("p");
  ASSERT_TRUE(h && *h);
  EXPECT_EQ((*h)->serving, 2u);
  EXPECT_EQ((*h)->next, 5u);
  std::vector<uint64_t> kept;
  for (const auto& v : (*h)->versions) kept.push_back(v.number);
  EXPECT_EQ(kept, (std::vector<uint64_t>{2, 4})) << "the serving one and the newest";
  EXPECT_EQ(version_files(dir / "p"), (std::vector<std::string>{"2.plugin", "4.plugin", "index.json"}));
}

TEST(VersionStore, AWriteThatFailsLeavesTheHistoryAndTheFilesAsTheyWere) {
  const auto dir = fresh_dir("version-store-fail") / "versions";
  VersionStore good(dir, 5);
  ASSERT_TRUE(good.add("p", version_code("one"), version_settings("k"), {}));
  FailingRename failing;
  VersionStore bad(dir, 5, failing);
  auto r = bad.add("p", version_code("two"), version_settings("k"), {});
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("cannot rename"), std::string::npos) << r.error().message;
  auto h = good.history("p");
  ASSERT_TRUE(h && *h);
  EXPECT_EQ((*h)->next, 2u);
  EXPECT_EQ((*h)->serving, 1u);
  EXPECT_EQ(version_files(dir / "p"), (std::vector<std::string>{"1.plugin", "index.json"}));
  fs::remove_all(dir.parent_path());
}

TEST(VersionStore, ADamagedIndexIsAnErrorNamingItsFile) {
  const auto dir = fresh_dir("version-store-bad") / "versions";
  VersionStore store(dir, 5);
  ASSERT_TRUE(store.add("p", version_code("one"), version_settings("k"), {}));
  for (const std::string text : {"not json", R"({"next":1,"serving":0,"versions":[{"number":5}]})",
                                 R"({"next":"x","serving":0,"versions":[]})", R"([])"}) {
    std::ofstream(dir / "p" / "index.json", std::ios::trunc) << text;
    auto h = store.history("p");
    ASSERT_FALSE(h.has_value()) << text;
    EXPECT_NE(h.error().message.find("index.json: not a version index"), std::string::npos)
        << h.error().message;
    EXPECT_FALSE(store.add("p", version_code("two"), version_settings("k"), {}).has_value());
  }
  fs::remove_all(dir.parent_path());
}

TEST(VersionStore, AtStartTheServingCopyFindsItsVersionEvenWhenTheIndexMovedAhead) {
  const auto dir = fresh_dir("version-store-match") / "versions";
  VersionStore store(dir, 5);
  ASSERT_TRUE(store.add("p", version_code("one"), version_settings("a"), {}));
  ASSERT_TRUE(store.add("p", version_code("two"), version_settings("b"), {}));
  // As a crash after version 2's index but before its serving copy leaves it.
  EXPECT_EQ(store.match_serving(StoredPlugin{"p", version_code("one"), version_settings("a")}), 1u);
  EXPECT_EQ((*store.history("p"))->serving, 1u);
  EXPECT_EQ(store.match_serving(StoredPlugin{"p", version_code("two"), version_settings("b")}), 2u);
  // Same module, other settings: no version is that.
  EXPECT_EQ(store.match_serving(StoredPlugin{"p", version_code("two"), version_settings("c")}), 0u);
  EXPECT_EQ(store.match_serving(StoredPlugin{"q", version_code("two"), version_settings("b")}), 0u);
  fs::remove_all(dir.parent_path());
}

}  // namespace
}  // namespace hookd::test
