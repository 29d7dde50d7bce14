// Shared suite, part 5: namespace quotas (attack class 9, docs/security.md). Every backend
// opened with 1000 bytes and 5 keys per namespace (KvQuotaSuite): a write
// past either fails with kQuota, other namespaces are untouched, and
// deletes and expiry give the space back.
#include "kv_backends.hpp"
#include "kv_test_support.hpp"

namespace hookd::host::test {
namespace {

using namespace std::chrono_literals;

void expect_quota(const KvResult<void>& r) {
  ASSERT_FALSE(r) << "the write fit";
  EXPECT_EQ(r.error().code, KvError::Code::kQuota) << r.error().message;
  EXPECT_NE(r.error().message.find("quota exceeded: namespace plugin"), std::string::npos)
      << r.error().message;
}

// "k" + 599 bytes, then "j" + 500 bytes: 1101 of 1000.
TEST_P(KvQuotaSuite, AWritePastTheByteQuotaFailsAndChangesNothing) {
  ASSERT_TRUE(kv().set("plugin", "k", std::string(599, 'a')));
  expect_quota(kv().set("plugin", "j", std::string(500, 'b')));
  EXPECT_EQ(kv().get("plugin", "j").value(), std::nullopt);
  // Another namespace has its own quota.
  EXPECT_TRUE(kv().set("other", "j", std::string(500, 'b')));
  // Up to the quota exactly is fine.
  EXPECT_TRUE(kv().set("plugin", "j", std::string(399, 'b')));
  expect_quota(kv().set("plugin", "i", ""));  // 1 more byte
}

TEST_P(KvQuotaSuite, AWritePastTheKeyQuotaFailsButOverwritesFit) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(kv().set("plugin", "k" + std::to_string(i), "v"));
  expect_quota(kv().set("plugin", "k5", "v"));
  EXPECT_TRUE(kv().set("plugin", "k0", "w")) << "an overwrite adds no key";
  EXPECT_EQ(kv().get("plugin", "k5").value(), std::nullopt);
}

TEST_P(KvQuotaSuite, ShrinkingAlwaysFitsAndGrowingAnExistingKeyCounts) {
  ASSERT_TRUE(kv().set("plugin", "k", std::string(900, 'a')));
  expect_quota(kv().set("plugin", "k", std::string(1000, 'a')));
  EXPECT_EQ(kv().get("plugin", "k").value()->size(), 900u);
  EXPECT_TRUE(kv().set("plugin", "k", std::string(999, 'a')));
  EXPECT_TRUE(kv().set("plugin", "k", "small"));
}

TEST_P(KvQuotaSuite, DeletesGiveTheSpaceBack) {
  ASSERT_TRUE(kv().set("plugin", "a", std::string(900, 'a')));
  expect_quota(kv().set("plugin", "b", std::string(900, 'b')));
  ASSERT_TRUE(kv().del("plugin", "a").value());
  EXPECT_TRUE(kv().set("plugin", "b", std::string(900, 'b')));
  // cas deleting gives back too.
  ASSERT_TRUE(kv().cas("plugin", "b", std::string(900, 'b'), std::nullopt).value());
  EXPECT_TRUE(kv().set("plugin", "c", std::string(990, 'c')));
}

TEST_P(KvQuotaSuite, IncrAndCasAreChargedLikeSet) {
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(kv().set("plugin", "k" + std::to_string(i), "v"));
  EXPECT_EQ(kv().incr("plugin", "n", 5).value(), 5);  // the fifth key
  auto sixth = kv().incr("plugin", "m", 1);
  ASSERT_FALSE(sixth);
  EXPECT_EQ(sixth.error().code, KvError::Code::kQuota) << sixth.error().message;
  EXPECT_EQ(kv().get("plugin", "m").value(), std::nullopt) << "the refused incr left a key behind";
  auto created = kv().cas("plugin", "c", std::nullopt, "v");
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().code, KvError::Code::kQuota);
  EXPECT_EQ(kv().incr("plugin", "n", 1).value(), 6) << "an existing counter still counts";
  EXPECT_TRUE(kv().cas("plugin", "k0", "v", "w").value());
}

TEST_P(KvQuotaSuite, ExpiredKeysGiveTheirSpaceBack) {
  ASSERT_TRUE(kv().set("plugin", "session", std::string(900, 's'), 100ms));
  harness().advance(101ms);
  // Real backends: poll until the write fits (it does once the TTL passed).
  EXPECT_TRUE(eventually([&] { return kv().set("plugin", "next", std::string(900, 'n')).has_value(); }))
      << "the expired key's bytes were never given back";
  EXPECT_EQ(kv().get("plugin", "session").value(), std::nullopt);
  EXPECT_EQ(kv().get("plugin", "next").value()->size(), 900u);
}

}  // namespace
}  // namespace hookd::host::test
