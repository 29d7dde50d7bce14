// Shared suite, part 2: listing keys by prefix, ordered and paginated.
#include <algorithm>
#include <random>

#include "kv_backends.hpp"

namespace hookd::host::test {
namespace {

using std::string_literals::operator""s;

// Follows next_cursor to the end (bounded) and returns every key seen.
std::vector<std::string> list_all(KvStore& kv, std::string_view prefix, std::size_t page_size,
                                  std::size_t* pages = nullptr) {
  std::vector<std::string> all;
  std::string cursor;
  for (int page = 0; page < 1000; ++page) {
    auto result = kv.list("plugin", prefix, cursor, page_size);
    if (!result) {
      ADD_FAILURE() << result.error().message;
      break;
    }
    EXPECT_LE(result->keys.size(), page_size);
    all.insert(all.end(), result->keys.begin(), result->keys.end());
    if (pages) *pages = page + 1;
    if (!result->next_cursor) break;
    cursor = *result->next_cursor;
  }
  return all;
}

TEST_P(KvSuite, ListReturnsOnlyKeysWithThePrefixInBytewiseOrder) {
  for (std::string key :
       {"user:b"s, "user:a"s, "user:\xff"s, "user:A"s, "user:"s, "user:a\0z"s, "users"s, "use"s, "other"s}) {
    ASSERT_TRUE(kv().set("plugin", key, "v"));
  }
  auto page = kv().list("plugin", "user:", "", 100).value();
  EXPECT_EQ(page.keys, (std::vector<std::string>{"user:"s, "user:A"s, "user:a"s, "user:a\0z"s, "user:b"s,
                                                 "user:\xff"s}));
  EXPECT_EQ(page.next_cursor, std::nullopt);
}

TEST_P(KvSuite, ListPaginatesWithTheCursorUntilExhausted) {
  std::vector<std::string> expected;
  for (int i = 0; i < 25; ++i) {
    std::string key = "item" + std::to_string(100 + i);
    expected.push_back(key);
    ASSERT_TRUE(kv().set("plugin", key, "v"));
  }
  std::size_t pages = 0;
  EXPECT_EQ(list_all(kv(), "item", 10, &pages), expected);
  EXPECT_EQ(pages, 3u);
  auto exact = kv().list("plugin", "item", "", 25).value();
  EXPECT_EQ(exact.keys.size(), 25u);
  EXPECT_EQ(exact.next_cursor, std::nullopt) << "no cursor when nothing follows";
}

TEST_P(KvSuite, ListCursorSurvivesDeletionOfTheLastKeyReturned) {
  for (std::string key : {"a", "b", "c", "d"}) ASSERT_TRUE(kv().set("plugin", key, "v"));
  auto first = kv().list("plugin", "", "", 2).value();
  ASSERT_EQ(first.keys, (std::vector<std::string>{"a", "b"}));
  ASSERT_TRUE(kv().del("plugin", "b"));
  auto second = kv().list("plugin", "", first.next_cursor.value(), 2).value();
  EXPECT_EQ(second.keys, (std::vector<std::string>{"c", "d"}));
}

TEST_P(KvSuite, ListPrefixWithGlobCharactersMatchesLiterally) {
  for (std::string key : {"a*1", "a*2", "ab", "a?x", "a[b]c", "ab]c", "a\\d", "a\\e"}) {
    ASSERT_TRUE(kv().set("plugin", key, "v"));
  }
  EXPECT_EQ(kv().list("plugin", "a*", "", 10).value().keys, (std::vector<std::string>{"a*1", "a*2"}));
  EXPECT_EQ(kv().list("plugin", "a?", "", 10).value().keys, (std::vector<std::string>{"a?x"}));
  EXPECT_EQ(kv().list("plugin", "a[b]", "", 10).value().keys, (std::vector<std::string>{"a[b]c"}));
  EXPECT_EQ(kv().list("plugin", "a\\", "", 10).value().keys, (std::vector<std::string>{"a\\d", "a\\e"}));
}

// LMDB stores keys over its 511-byte key limit hashed; order must not suffer.
TEST_P(KvSuite, ListOrdersLongKeysThatShareALongPrefix) {
  const std::string common(900, 'p');
  std::vector<std::string> expected;
  for (std::string tail : {"a", "b", "ba", "c", "z"}) expected.push_back(common + tail);
  expected.push_back(common.substr(0, 460) + "q");  // short key inside the long keys' range
  expected.push_back(common.substr(0, 500));        // direct key just under the hashing limit
  std::ranges::sort(expected);
  std::vector<std::string> shuffled = expected;
  std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937(42));
  for (const auto& key : shuffled) ASSERT_TRUE(kv().set("plugin", key, key.substr(key.size() - 1)));

  EXPECT_EQ(list_all(kv(), "p", 2), expected);
  std::vector<std::string> with_common;
  std::ranges::copy_if(expected, std::back_inserter(with_common),
                       [&](auto& k) { return k.starts_with(common); });
  ASSERT_EQ(with_common.size(), 5u);
  EXPECT_EQ(list_all(kv(), common, 3), with_common);
  EXPECT_EQ(kv().get("plugin", common + "ba").value(), "a");
  EXPECT_EQ(kv().get("plugin", common + "bb").value(), std::nullopt);
}

TEST_P(KvSuite, ListWithZeroLimitIsInvalid) {
  EXPECT_EQ(kv().list("plugin", "", "", 0).error().code, KvError::Code::kInvalid);
}

}  // namespace
}  // namespace hookd::host::test
