// Shared suite, part 4: TTL. The fake's clock is moved; LMDB and Redis use a
// short real TTL and the test polls, with a deadline, until it has passed.
#include "kv_backends.hpp"
#include "kv_test_support.hpp"

namespace hookd::host::test {
namespace {

using namespace std::chrono_literals;

constexpr auto kTtl = 100ms;

// Lets kTtl pass and waits until `sentinel` (set with kTtl after the keys
// under test) has expired, so every earlier TTL has too.
void let_ttl_pass(KvHarness& h, KvStore& kv, std::string_view sentinel) {
  h.advance(kTtl + 1ms);
  EXPECT_TRUE(eventually([&] { return kv.get("plugin", sentinel).value() == std::nullopt; }))
      << "the key did not expire within 5 s";
}

TEST_P(KvSuite, KeyWithATtlIsPresentThenExpires) {
  const auto before = std::chrono::steady_clock::now();
  ASSERT_TRUE(kv().set("plugin", "session", "data", kTtl));
  auto got = kv().get("plugin", "session").value();
  if (std::chrono::steady_clock::now() - before < kTtl / 2) {
    EXPECT_EQ(got, "data");  // only meaningful while the TTL cannot have passed
  }
  let_ttl_pass(harness(), kv(), "session");
  EXPECT_EQ(kv().del("plugin", "session").value(), false) << "an expired key did not exist";
}

TEST_P(KvSuite, ExpiredKeysAreAbsentFromListIncrAndCas) {
  ASSERT_TRUE(kv().set("plugin", "keep", "v"));
  for (std::string_view k : {"gone-list", "gone-incr", "gone-cas", "gone-cas2", "sentinel"}) {
    ASSERT_TRUE(kv().set("plugin", k, "7", kTtl));
  }
  let_ttl_pass(harness(), kv(), "sentinel");
  EXPECT_EQ(kv().list("plugin", "", "", 100).value().keys, std::vector<std::string>{"keep"});
  EXPECT_EQ(kv().incr("plugin", "gone-incr", 1).value(), 1) << "counts from zero, not 7";
  EXPECT_EQ(kv().cas("plugin", "gone-cas", "7", "8").value(), false);
  EXPECT_EQ(kv().cas("plugin", "gone-cas2", std::nullopt, "new").value(), true);
  EXPECT_EQ(kv().get("plugin", "gone-cas2").value(), "new");
}

TEST_P(KvSuite, SetWithoutATtlClearsAnEarlierTtl) {
  ASSERT_TRUE(kv().set("plugin", "k", "temporary", kTtl));
  ASSERT_TRUE(kv().set("plugin", "k", "permanent"));
  ASSERT_TRUE(kv().set("plugin", "sentinel", "x", kTtl));
  let_ttl_pass(harness(), kv(), "sentinel");
  EXPECT_EQ(kv().get("plugin", "k").value(), "permanent");
}

TEST_P(KvSuite, IncrKeepsAnExistingTtl) {
  ASSERT_TRUE(kv().set("plugin", "rate", "1", kTtl));
  ASSERT_TRUE(kv().incr("plugin", "rate", 1));
  ASSERT_TRUE(kv().set("plugin", "sentinel", "x", kTtl));
  let_ttl_pass(harness(), kv(), "sentinel");
  EXPECT_EQ(kv().get("plugin", "rate").value(), std::nullopt);
}

TEST_P(KvSuite, NonPositiveTtlIsInvalid) {
  EXPECT_EQ(kv().set("plugin", "k", "v", 0ms).error().code, KvError::Code::kInvalid);
  EXPECT_EQ(kv().set("plugin", "k", "v", -5ms).error().code, KvError::Code::kInvalid);
  EXPECT_EQ(kv().get("plugin", "k").value(), std::nullopt);
}

// Found by fuzzing: now + TTL overflowed (undefined behaviour in the memory
// store, a wrapped expiry in LMDB).
TEST_P(KvSuite, TtlOverAHundredYearsIsInvalid) {
  EXPECT_TRUE(kv().set("plugin", "k", "v", std::chrono::hours(24 * 365 * 100)));
  for (const auto ttl : {std::chrono::milliseconds((1ll << 56) - 1), std::chrono::milliseconds::max()}) {
    auto r = kv().set("plugin", "k", "v", ttl);
    ASSERT_FALSE(r) << ttl.count();
    EXPECT_EQ(r.error().code, KvError::Code::kInvalid);
  }
}

}  // namespace
}  // namespace hookd::host::test
