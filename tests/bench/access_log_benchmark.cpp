// What one access log line costs: AccessLog::write (formatting into the
// worker's buffer under its slot mutex) of a typical echo request, text and
// JSON, with the writer thread writing the batches to a file. Process CPU
// time is measured, so the writer's write(2) calls count too.
// build/tests/bench/access_log_benchmark
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "observability/access_log.hpp"

namespace {

using hookd::server::AccessLog;
using hookd::server::AccessRecord;

void write_loop(benchmark::State& state, hookd::config::LogFormat format) {
  const auto path =
      std::filesystem::temp_directory_path() / ("hookd-access-bench-" + std::to_string(getpid()));
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    state.SkipWithError("cannot open a temporary file");
    return;
  }
  AccessLog::Options options;
  options.format = format;
  {
    auto log = AccessLog::to_fd(fd, options, 1);
    int64_t us = 80;
    for (auto _ : state) {
      log->write(0, {.request_id = "k3j5h2l1m9n8-1048576",
                     .client = "127.0.0.1",
                     .method = "POST",
                     .target = "/plugins/echo/echo",
                     .status = 200,
                     .bytes = 64,
                     .duration_us = us++,
                     .plugin = "echo",
                     .fn = "echo"});
    }
    log->flush();
    state.counters["dropped"] = static_cast<double>(log->dropped());
  }
  ::close(fd);
  std::filesystem::remove(path);
}

void BM_AccessLogText(benchmark::State& state) { write_loop(state, hookd::config::LogFormat::text); }
void BM_AccessLogJson(benchmark::State& state) { write_loop(state, hookd::config::LogFormat::json); }

BENCHMARK(BM_AccessLogText)->MeasureProcessCPUTime()->UseRealTime();
BENCHMARK(BM_AccessLogJson)->MeasureProcessCPUTime()->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
