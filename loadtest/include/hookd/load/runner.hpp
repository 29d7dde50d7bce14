// Runs a load test described by Options and returns what it measured. This
// is the library entry point: main() and the tests both call run().
#pragma once

#include <chrono>
#include <expected>
#include <functional>
#include <string>
#include <vector>

#include "hookd/load/options.hpp"
#include "hookd/load/stats.hpp"
#include "hookd/load/timeline.hpp"

namespace hookd::load {

struct RunResult {
  Stats total;
  Nanos measured{0};  // measured wall time (excludes warmup)
  std::vector<Sample> timeline;
  /// Open loop: requests due before the end that no connection could send
  /// (the target fell behind the rate). Always 0 in closed loop.
  std::uint64_t unsent = 0;
  /// Requests sent but unanswered when the run stopped; not in the results.
  std::uint64_t in_flight_at_end = 0;
  bool interrupted = false;  // stopped early by SIGINT/SIGTERM

  double requests_per_second() const;
  double bytes_per_second() const;
};

struct RunHooks {
  /// Called on the runner's control thread once per completed second.
  std::function<void(const Sample&, const Stats& cumulative)> on_second;
  /// Stop early and report on SIGINT/SIGTERM (the executable wants this;
  /// tests do not).
  bool stop_on_signals = false;
};

/// Fails, without running, when the target cannot be resolved or refuses a
/// first connection; the message is ready to print.
std::expected<RunResult, std::string> run(const Options& options, const RunHooks& hooks = {});

}  // namespace hookd::load
