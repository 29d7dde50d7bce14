// Metrics::visit_rings: the reading side of the per-second time series kept
// beside each (plugin, fn) pair's counters (time_series.hpp).
#include "observability/metrics.hpp"
#include "observability/metrics_fn_stats.hpp"
#include "observability/time_series.hpp"

namespace hookd::server {

void Metrics::visit_rings(const RingVisitor& visit) const {
  for (const auto& shard : shards_) {
    // The lock keeps series_ from growing under us; the rings themselves
    // are read lock-free.
    std::lock_guard lock(shard->mu_);
    for (const auto& stats : shard->series_) {
      if (stats->ring) visit(stats->plugin, stats->fn, stats->version, *stats->ring);
    }
  }
}

}  // namespace hookd::server
