// Shared suite, part 1: get/set/del, namespaces, odd values, limits.
#include "kv_backends.hpp"

namespace hookd::host::test {
namespace {

using Code = KvError::Code;
using std::string_literals::operator""s;

TEST_P(KvSuite, GetOfMissingKeyIsEmpty) {
  auto got = kv().get("plugin", "nothing");
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(*got, std::nullopt);
}

TEST_P(KvSuite, SetThenGetReturnsTheValue) {
  ASSERT_TRUE(kv().set("plugin", "greeting", "hello"));
  EXPECT_EQ(kv().get("plugin", "greeting").value(), "hello");
}

TEST_P(KvSuite, SetOverwritesTheValue) {
  ASSERT_TRUE(kv().set("plugin", "k", "first"));
  ASSERT_TRUE(kv().set("plugin", "k", "second"));
  EXPECT_EQ(kv().get("plugin", "k").value(), "second");
}

TEST_P(KvSuite, DelRemovesAndReportsWhetherTheKeyExisted) {
  ASSERT_TRUE(kv().set("plugin", "k", "v"));
  EXPECT_EQ(kv().del("plugin", "k").value(), true);
  EXPECT_EQ(kv().get("plugin", "k").value(), std::nullopt);
  EXPECT_EQ(kv().del("plugin", "k").value(), false);
}

TEST_P(KvSuite, NamespacesDoNotSeeEachOthersKeys) {
  ASSERT_TRUE(kv().set("alpha", "shared-name", "alpha's"));
  ASSERT_TRUE(kv().set("alpha-2", "x", "other"));
  EXPECT_EQ(kv().get("beta", "shared-name").value(), std::nullopt);
  EXPECT_EQ(kv().del("beta", "shared-name").value(), false);
  EXPECT_TRUE(kv().list("beta", "", "", 100).value().keys.empty());
  EXPECT_EQ(kv().incr("beta", "shared-name", 1).value(), 1);
  EXPECT_EQ(kv().get("alpha", "shared-name").value(), "alpha's");
  // "alpha" must not list "alpha-2"'s keys although one name prefixes the other.
  EXPECT_EQ(kv().list("alpha", "", "", 100).value().keys, std::vector<std::string>{"shared-name"});
}

TEST_P(KvSuite, EmptyValueIsStoredAndDiffersFromAbsent) {
  ASSERT_TRUE(kv().set("plugin", "empty", ""));
  auto got = kv().get("plugin", "empty");
  ASSERT_TRUE(got);
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(**got, "");
}

TEST_P(KvSuite, BinaryKeysAndValuesWithNulBytesRoundTrip) {
  const std::string key = "k\0ey\xff"s;
  std::string value;
  for (int i = 0; i < 256; ++i) value.push_back(static_cast<char>(i));
  value += "\0\0tail"s;
  ASSERT_TRUE(kv().set("plugin", key, value));
  EXPECT_EQ(kv().get("plugin", key).value(), value);
  EXPECT_EQ(kv().get("plugin", "k"s).value(), std::nullopt);
  EXPECT_EQ(kv().list("plugin", "k\0"s, "", 10).value().keys, std::vector<std::string>{key});
}

TEST_P(KvSuite, KeyAndValueAtTheirLimitsAreAccepted) {
  const KvLimits limits;
  const std::string key(limits.max_key_bytes, 'k');
  const std::string value(limits.max_value_bytes, 'v');
  const std::string ns(64, 'n');
  auto stored = kv().set(ns, key, value);
  ASSERT_TRUE(stored) << stored.error().message;
  EXPECT_EQ(kv().get(ns, key).value(), value);
}

TEST_P(KvSuite, KeyOverTheLimitIsTooLargeEverywhere) {
  const std::string key(KvLimits{}.max_key_bytes + 1, 'k');
  EXPECT_EQ(kv().set("plugin", key, "v").error().code, Code::kTooLarge);
  EXPECT_EQ(kv().get("plugin", key).error().code, Code::kTooLarge);
  EXPECT_EQ(kv().del("plugin", key).error().code, Code::kTooLarge);
  EXPECT_EQ(kv().incr("plugin", key, 1).error().code, Code::kTooLarge);
  EXPECT_EQ(kv().cas("plugin", key, std::nullopt, "v").error().code, Code::kTooLarge);
  EXPECT_EQ(kv().list("plugin", key, "", 10).error().code, Code::kTooLarge);
}

TEST_P(KvSuite, ValueOverTheLimitIsTooLargeAndNotStored) {
  const std::string value(KvLimits{}.max_value_bytes + 1, 'v');
  EXPECT_EQ(kv().set("plugin", "k", value).error().code, Code::kTooLarge);
  EXPECT_EQ(kv().cas("plugin", "k", std::nullopt, value).error().code, Code::kTooLarge);
  EXPECT_EQ(kv().get("plugin", "k").value(), std::nullopt);
}

TEST_P(KvSuite, MalformedNamespacesAndEmptyKeysAreInvalid) {
  const std::string too_long(65, 'n');
  for (std::string_view ns :
       {std::string_view(""), std::string_view(too_long), std::string_view("a:b"), std::string_view("a b"),
        std::string_view("caf\xc3\xa9"), std::string_view("a*")}) {
    EXPECT_EQ(kv().set(ns, "k", "v").error().code, Code::kInvalid) << ns;
    EXPECT_EQ(kv().get(ns, "k").error().code, Code::kInvalid) << ns;
    EXPECT_EQ(kv().list(ns, "", "", 10).error().code, Code::kInvalid) << ns;
  }
  EXPECT_EQ(kv().set("plugin", "", "v").error().code, Code::kInvalid);
  EXPECT_EQ(kv().get("plugin", "").error().code, Code::kInvalid);
}

TEST_P(KvSuite, GetManyReadsEveryKeyInOrder) {
  ASSERT_TRUE(kv().set("plugin", "a", "1"));
  ASSERT_TRUE(kv().set("plugin", "c", "three"));
  ASSERT_TRUE(kv().set("other", "b", "not mine"));
  const std::vector<std::string_view> keys{"a", "b", "c", "a"};
  std::vector<std::string> seen;
  auto r = kv().get_many("plugin", keys, [&](std::size_t i, const std::string_view* v) {
    seen.push_back(std::to_string(i) + ":" + (v ? std::string(*v) : "-"));
  });
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(seen, (std::vector<std::string>{"0:1", "1:-", "2:three", "3:1"}));
}

TEST_P(KvSuite, GetManyRejectsAnInvalidKey) {
  const std::vector<std::string_view> keys{"a", ""};
  auto r = kv().get_many("plugin", keys, [](std::size_t, const std::string_view*) {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Code::kInvalid);
}

}  // namespace
}  // namespace hookd::host::test
