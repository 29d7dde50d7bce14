// What the dashboard's time series adds to a request's metrics: one
// MetricsShard::record of a pair with a per-second ring (a loaded plugin's
// function) against one of a pair without (the same counters, no ring).
// build/tests/bench/metrics_benchmark
#include <benchmark/benchmark.h>

#include <chrono>

#include "observability/metrics.hpp"
#include "observability/time_series.hpp"

namespace {

using hookd::server::Metrics;

void record_loop(benchmark::State& state, std::string_view plugin, std::string_view fn) {
  Metrics metrics(1);
  auto& shard = metrics.shard(0);
  auto* stats = shard.fn(plugin, fn);
  std::chrono::nanoseconds latency(80'000);
  for (auto _ : state) {
    shard.record(stats, 200, "", latency);
    latency += std::chrono::nanoseconds(1);  // not a constant the compiler can fold
    benchmark::ClobberMemory();
  }
}

// A plugin function: counters, histogram and the per-second ring.
void BM_RecordWithRing(benchmark::State& state) { record_loop(state, "echo", "echo"); }
// Not a plugin call (plugin="" fn=""): the same counters, no ring.
void BM_RecordWithoutRing(benchmark::State& state) { record_loop(state, "", ""); }
// The clock read the ring needs, alone.
void BM_UnixSecondNow(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(hookd::server::unix_second_now());
}

BENCHMARK(BM_RecordWithRing);
BENCHMARK(BM_RecordWithoutRing);
BENCHMARK(BM_UnixSecondNow);

}  // namespace

BENCHMARK_MAIN();
