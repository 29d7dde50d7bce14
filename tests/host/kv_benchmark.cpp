// KV store micro-benchmarks: LMDB get of a warm small value (target well
// under 1 us), durable LMDB set, and the in-memory fake for comparison.
#include <benchmark/benchmark.h>

#include "hookd/host/lmdb_kv_store.hpp"
#include "hookd/host/memory_kv_store.hpp"
#include "kv_test_support.hpp"

namespace {

using namespace hookd::host;

std::unique_ptr<LmdbKvStore> open_lmdb(const std::filesystem::path& dir) {
  LmdbKvOptions options;
  options.dir = dir;
  options.map_size_bytes = std::size_t{256} << 20;
  auto kv = LmdbKvStore::open(options);
  return kv ? std::move(*kv) : nullptr;
}

void BM_LmdbGetWarmSmall(benchmark::State& state) {
  static hookd::host::test::TempDir dir;
  static auto kv = open_lmdb(dir.path() / "get");
  if (!kv) return state.SkipWithError("open failed");
  if (state.thread_index() == 0) {
    for (int i = 0; i < 1000; ++i)
      (void)kv->set("bench", "key" + std::to_string(i), "a small value, 32 bytes long...");
  }
  int i = 0;
  for (auto _ : state) {
    auto v = kv->get("bench", i++ % 2 ? "key42" : "key777");
    benchmark::DoNotOptimize(v);
  }
}
BENCHMARK(BM_LmdbGetWarmSmall)->Threads(1)->Threads(2);

void BM_LmdbSetDurable(benchmark::State& state) {
  hookd::host::test::TempDir dir;
  auto kv = open_lmdb(dir.path() / "set");
  if (!kv) return state.SkipWithError("open failed");
  std::size_t i = 0;
  for (auto _ : state) {
    auto ok = kv->set("bench", "key" + std::to_string(i++ % 1000), "a small value, 32 bytes long...");
    benchmark::DoNotOptimize(ok);
  }
}
BENCHMARK(BM_LmdbSetDurable)->MinTime(1.0);

void BM_LmdbIncrDurable(benchmark::State& state) {
  hookd::host::test::TempDir dir;
  auto kv = open_lmdb(dir.path() / "incr");
  if (!kv) return state.SkipWithError("open failed");
  for (auto _ : state) benchmark::DoNotOptimize(kv->incr("bench", "counter", 1));
}
BENCHMARK(BM_LmdbIncrDurable)->MinTime(1.0);

void BM_MemoryGetSmall(benchmark::State& state) {
  MemoryKvStore kv;
  (void)kv.set("bench", "key42", "a small value, 32 bytes long...");
  for (auto _ : state) benchmark::DoNotOptimize(kv.get("bench", "key42"));
}
BENCHMARK(BM_MemoryGetSmall);

}  // namespace

BENCHMARK_MAIN();
