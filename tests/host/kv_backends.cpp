#include "kv_backends.hpp"

#include "hookd/host/lmdb_kv_store.hpp"
#include "hookd/host/memory_kv_store.hpp"
#include "hookd/host/redis_kv_store.hpp"
#include "kv_test_support.hpp"
#include "redis_server.hpp"

namespace hookd::host::test {

namespace {

class MemoryHarness final : public KvHarness {
 public:
  explicit MemoryHarness(const KvLimits& limits) : store_(limits, clock_) {}
  KvStore& store() override { return store_; }
  void advance(std::chrono::milliseconds d) override { clock_->advance(d); }

 private:
  std::shared_ptr<util::ManualClock> clock_ = std::make_shared<util::ManualClock>();
  MemoryKvStore store_;
};

class LmdbHarness final : public KvHarness {
 public:
  bool open(std::size_t read_cache_bytes, const KvLimits& limits) {
    LmdbKvOptions options;
    options.limits = limits;
    options.dir = dir_.path() / "kv";
    options.map_size_bytes = std::size_t{64} << 20;
    options.read_cache_bytes = read_cache_bytes;
    auto store = LmdbKvStore::open(options);
    if (!store) ADD_FAILURE() << store.error().message;
    store_ = store ? std::move(*store) : nullptr;
    return store_ != nullptr;
  }
  KvStore& store() override { return *store_; }

 private:
  TempDir dir_;
  std::unique_ptr<LmdbKvStore> store_;
};

class RedisHarness final : public KvHarness {
 public:
  bool start(const KvLimits& limits) {
    server_ = RedisServer::start("test-password");
    if (!server_) return false;
    RedisKvOptions options;
    options.limits = limits;
    options.port = server_->port();
    options.password = server_->password();
    options.database = 3;  // exercises SELECT
    options.command_timeout = std::chrono::seconds(2);
    store_ = std::make_unique<RedisKvStore>(options);
    return true;
  }
  ~RedisHarness() override {
    store_.reset();
    server_.reset();
  }
  KvStore& store() override { return *store_; }

 private:
  std::unique_ptr<RedisServer> server_;
  std::unique_ptr<RedisKvStore> store_;
};

}  // namespace

Backend memory_backend() {
  return {"Memory", [](const KvLimits& limits) -> std::unique_ptr<KvHarness> {
            return std::make_unique<MemoryHarness>(limits);
          }};
}

Backend lmdb_backend() {
  return {"Lmdb", [](const KvLimits& limits) -> std::unique_ptr<KvHarness> {
            auto h = std::make_unique<LmdbHarness>();
            if (!h->open(LmdbKvOptions{}.read_cache_bytes, limits)) return nullptr;
            return h;
          }};
}

// The same store with its per-thread read cache off: both read paths must
// behave alike.
Backend lmdb_uncached_backend() {
  return {"LmdbUncached", [](const KvLimits& limits) -> std::unique_ptr<KvHarness> {
            auto h = std::make_unique<LmdbHarness>();
            if (!h->open(0, limits)) return nullptr;
            return h;
          }};
}

Backend redis_backend() {
  return {"Redis", [](const KvLimits& limits) -> std::unique_ptr<KvHarness> {
            auto h = std::make_unique<RedisHarness>();
            if (!h->start(limits)) return nullptr;
            return h;
          }};
}

std::string backend_name(const ::testing::TestParamInfo<Backend>& info) { return info.param.name; }

// The instantiations of the shared suites (TEST_Ps live in kv_suite_*_test.cpp).
INSTANTIATE_TEST_SUITE_P(AllBackends, KvSuite,
                         ::testing::Values(memory_backend(), lmdb_backend(), lmdb_uncached_backend(),
                                           redis_backend()),
                         backend_name);
INSTANTIATE_TEST_SUITE_P(AllBackends, KvQuotaSuite,
                         ::testing::Values(memory_backend(), lmdb_backend(), lmdb_uncached_backend(),
                                           redis_backend()),
                         backend_name);

}  // namespace hookd::host::test
