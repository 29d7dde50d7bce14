// Latency quantiles and counts of plugins over the time series' window
// (time_series.hpp), summed over every worker: the dashboard's table and
// charts, and the admin plugin JSON's "recent" object.
#pragma once

#include <boost/json/object.hpp>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "observability/metrics.hpp"
#include "observability/time_series.hpp"

namespace hookd::server {

/// Seconds [now - seconds + 1, now] of one plugin (`fn` empty: every function).
SecondRing::Window plugin_window(const Metrics& metrics, std::string_view plugin, std::string_view fn,
                                 uint32_t now, uint32_t seconds);

/// Seconds [now - seconds + 1, now] of one version of a plugin (every
/// function): a canary release's side-by-side figures (docs/releases.md).
SecondRing::Window version_window(const Metrics& metrics, std::string_view plugin, uint64_t version,
                                  uint32_t now, uint32_t seconds);

/// The sums of every (plugin, fn) pair over [now - seconds + 1, now], in one
/// pass over the rings: memory for one window and one sum per pair, however
/// many pairs there are.
using PairTotals = std::map<std::pair<std::string, std::string>, SecondRing::Second>;
PairTotals pair_totals(const Metrics& metrics, uint32_t now, uint32_t seconds);

/// {"window_seconds", "requests", "errors", "p50_ms", "p99_ms"} of a sum
/// (quantiles null without requests).
boost::json::object total_summary(const SecondRing::Second& total, size_t seconds);
/// The same of a window.
boost::json::object window_summary(const SecondRing::Window& w);

}  // namespace hookd::server
