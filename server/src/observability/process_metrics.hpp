// The process metrics Prometheus' client libraries export under these same
// names (its "process collector"), read from /proc/self at each scrape, so
// the dashboards and alerts written for them work on hookd unchanged.
#pragma once

#include <cstdint>
#include <optional>

#include "observability/metrics_exposition.hpp"

namespace hookd::server {

struct ProcessStats {
  double cpu_seconds = 0;         // user + system
  uint64_t resident_bytes = 0;    // RSS
  uint64_t virtual_bytes = 0;     // VSZ
  double start_time_seconds = 0;  // since the Unix epoch
  uint64_t open_fds = 0;
  uint64_t max_fds = 0;  // RLIMIT_NOFILE, soft
};

/// This process's figures; nullopt where /proc is not mounted.
std::optional<ProcessStats> read_process_stats();

/// process_cpu_seconds_total, process_resident_memory_bytes,
/// process_virtual_memory_bytes, process_start_time_seconds,
/// process_open_fds and process_max_fds; nothing without /proc.
void render_process_metrics(prom::Exposition& e);

}  // namespace hookd::server
