// Shared suite, part 3: incr, compare-and-set, and atomicity under threads.
#include <algorithm>
#include <atomic>
#include <limits>
#include <thread>

#include "kv_backends.hpp"

namespace hookd::host::test {
namespace {

using Code = KvError::Code;

TEST_P(KvSuite, IncrOfAMissingKeyStartsFromZero) {
  EXPECT_EQ(kv().incr("plugin", "hits", 5).value(), 5);
  EXPECT_EQ(kv().incr("plugin", "hits", 2).value(), 7);
  EXPECT_EQ(kv().get("plugin", "hits").value(), "7");
}

TEST_P(KvSuite, IncrAcceptsNegativeDeltasAndExistingNumbers) {
  ASSERT_TRUE(kv().set("plugin", "n", "-40"));
  EXPECT_EQ(kv().incr("plugin", "n", -2).value(), -42);
  EXPECT_EQ(kv().incr("plugin", "n", 42).value(), 0);
  EXPECT_EQ(kv().get("plugin", "n").value(), "0");
}

TEST_P(KvSuite, IncrOfANonIntegerIsInvalidAndLeavesTheValue) {
  for (std::string_view bad : {"abc", "1.5", " 1", "1 ", "+1", "01", "-0", "", "99999999999999999999"}) {
    ASSERT_TRUE(kv().set("plugin", "n", bad));
    auto r = kv().incr("plugin", "n", 1);
    ASSERT_FALSE(r) << "'" << bad << "' was accepted as " << *r;
    EXPECT_EQ(r.error().code, Code::kInvalid) << bad;
    EXPECT_EQ(kv().get("plugin", "n").value(), bad);
  }
}

TEST_P(KvSuite, IncrThatOverflowsIsInvalidAndLeavesTheValue) {
  const auto max = std::numeric_limits<std::int64_t>::max();
  const auto min = std::numeric_limits<std::int64_t>::min();
  ASSERT_TRUE(kv().set("plugin", "big", std::to_string(max)));
  EXPECT_EQ(kv().incr("plugin", "big", 1).error().code, Code::kInvalid);
  EXPECT_EQ(kv().get("plugin", "big").value(), std::to_string(max));
  ASSERT_TRUE(kv().set("plugin", "small", std::to_string(min)));
  EXPECT_EQ(kv().incr("plugin", "small", -1).error().code, Code::kInvalid);
  EXPECT_EQ(kv().incr("plugin", "small", max).value(), -1);
}

TEST_P(KvSuite, CasWithNoExpectedValueCreatesOnlyIfAbsent) {
  EXPECT_EQ(kv().cas("plugin", "lock", std::nullopt, "owner-1").value(), true);
  EXPECT_EQ(kv().cas("plugin", "lock", std::nullopt, "owner-2").value(), false);
  EXPECT_EQ(kv().get("plugin", "lock").value(), "owner-1");
}

TEST_P(KvSuite, CasSwapsWhenTheValueMatches) {
  ASSERT_TRUE(kv().set("plugin", "state", "v1"));
  EXPECT_EQ(kv().cas("plugin", "state", "v1", "v2").value(), true);
  EXPECT_EQ(kv().get("plugin", "state").value(), "v2");
}

TEST_P(KvSuite, CasMismatchReturnsFalseAndChangesNothing) {
  ASSERT_TRUE(kv().set("plugin", "state", "v1"));
  EXPECT_EQ(kv().cas("plugin", "state", "stale", "v2").value(), false);
  EXPECT_EQ(kv().cas("plugin", "missing", "anything", "v2").value(), false);
  EXPECT_EQ(kv().cas("plugin", "state", "", "v2").value(), false) << "empty is not absent";
  EXPECT_EQ(kv().get("plugin", "state").value(), "v1");
  EXPECT_EQ(kv().get("plugin", "missing").value(), std::nullopt);
}

TEST_P(KvSuite, CasWithNoDesiredValueDeletes) {
  ASSERT_TRUE(kv().set("plugin", "k", "v"));
  EXPECT_EQ(kv().cas("plugin", "k", "other", std::nullopt).value(), false);
  EXPECT_EQ(kv().get("plugin", "k").value(), "v");
  EXPECT_EQ(kv().cas("plugin", "k", "v", std::nullopt).value(), true);
  EXPECT_EQ(kv().get("plugin", "k").value(), std::nullopt);
}

TEST_P(KvSuite, CasComparesBinaryValuesExactly) {
  using std::string_literals::operator""s;
  ASSERT_TRUE(kv().set("plugin", "k", "a\0b"s));
  EXPECT_EQ(kv().cas("plugin", "k", "a"s, "x").value(), false);
  EXPECT_EQ(kv().cas("plugin", "k", "a\0b"s, "\0"s).value(), true);
  EXPECT_EQ(kv().get("plugin", "k").value(), "\0"s);
}

TEST_P(KvSuite, ConcurrentIncrementsAreNeverLost) {
  constexpr int kThreads = 4;
  constexpr int kEach = 25;
  std::vector<std::jthread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        if (!kv().incr("plugin", "counter", 1)) failures++;
      }
    });
  }
  threads.clear();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(kv().get("plugin", "counter").value(), std::to_string(kThreads * kEach));
}

TEST_P(KvSuite, ConcurrentCasLoopsAppendEveryItemOnce) {
  constexpr int kThreads = 3;
  constexpr int kEach = 10;
  std::vector<std::jthread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        for (int attempt = 0; attempt < 1000; ++attempt) {  // bounded retry loop
          auto cur = kv().get("plugin", "log").value();
          std::string next = cur.value_or("") + static_cast<char>('a' + t);
          if (kv().cas("plugin", "log", cur, next).value()) break;
        }
      }
    });
  }
  threads.clear();
  std::string log = kv().get("plugin", "log").value().value_or("");
  EXPECT_EQ(log.size(), std::size_t{kThreads * kEach});
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(std::ranges::count(log, static_cast<char>('a' + t)), kEach);
}

}  // namespace
}  // namespace hookd::host::test
