// The three KvStore backends behind one test harness, so the behavioural
// suite (kv_suite_*_test.cpp) runs unchanged against each of them.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "hookd/host/kv_store.hpp"

namespace hookd::host::test {

class KvHarness {
 public:
  virtual ~KvHarness() = default;
  virtual KvStore& store() = 0;
  /// Lets `d` pass: the fake's clock jumps; real backends use real time, so
  /// this does nothing and tests poll for the effect with a deadline.
  virtual void advance(std::chrono::milliseconds d) {}
};

struct Backend {
  std::string name;
  std::unique_ptr<KvHarness> (*make)(const KvLimits& limits);
};

inline void PrintTo(const Backend& b, std::ostream* os) { *os << b.name; }

Backend memory_backend();
Backend lmdb_backend();
Backend lmdb_uncached_backend();
Backend redis_backend();

/// Fixture for the shared suite: a fresh store per test.
class KvSuite : public ::testing::TestWithParam<Backend> {
 protected:
  /// The limits the store is opened with (a suite may narrow them).
  virtual KvLimits limits() const { return {}; }
  void SetUp() override {
    harness_ = GetParam().make(limits());
    ASSERT_NE(harness_, nullptr) << "backend " << GetParam().name << " did not start";
  }
  KvStore& kv() { return harness_->store(); }
  KvHarness& harness() { return *harness_; }

 private:
  std::unique_ptr<KvHarness> harness_;
};

/// The suite again on stores with small namespace quotas (kv_suite_quota_test.cpp).
class KvQuotaSuite : public KvSuite {
 protected:
  static constexpr std::uint64_t kMaxBytes = 1000;
  static constexpr std::uint64_t kMaxKeys = 5;
  KvLimits limits() const override {
    KvLimits l;
    l.max_namespace_bytes = kMaxBytes;
    l.max_namespace_keys = kMaxKeys;
    return l;
  }
};

std::string backend_name(const ::testing::TestParamInfo<Backend>& info);

}  // namespace hookd::host::test
