// A canary release's policy (docs/releases.md), as POST
// /admin/plugins/<name>/releases gives it:
//   {"version": 4,                                   the kept version to try
//    "steps": [{"weight": 5, "seconds": 60}, ...],   its share of calls, step by step
//    "thresholds": {"max_error_rate": 0.05,          canary errors / calls
//                   "max_error_rate_above_stable": 0.02,
//                   "max_p99_ratio": 3,              canary p99 / stable p99
//                   "min_requests": 20},             before any judgement
//    "window_seconds": 10,                           the sliding window judged
//    "sticky": {"header": "X-User"} | {"cookie": "uid"} | {"client": true}}
// Every field but version and steps has a default; unknown fields, and
// values out of their range, are refused with a message naming them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plugins/traffic_split.hpp"

namespace hookd::server {

struct ReleaseStep {
  uint32_t weight = 0;  // basis points (traffic_split.hpp)
  uint32_t seconds = 0;
};

struct ReleaseThresholds {
  double max_error_rate = 0.05;  // absolute, 0..1
  std::optional<double> max_error_rate_above_stable;
  std::optional<double> max_p99_ratio;
  uint64_t min_requests = 20;  // of each version in the window
};

struct ReleasePolicy {
  uint64_t version = 0;
  std::vector<ReleaseStep> steps;
  ReleaseThresholds thresholds;
  uint32_t window_seconds = 10;
  StickyKey sticky;
};

inline constexpr size_t kMaxReleaseBody = 16 * 1024;
inline constexpr size_t kMaxReleaseSteps = 20;
inline constexpr uint32_t kMaxStepSeconds = 86'400;
inline constexpr uint32_t kMaxWindowSeconds = 300;

// The policy in `body`, or why it is not one (a sentence for a 400).
struct ParsedPolicy {
  std::optional<ReleasePolicy> policy;
  std::string error;
};
ParsedPolicy parse_release_policy(std::string_view body);

// "5%", "0.5%": a weight in basis points as the API shows it.
double weight_percent(uint32_t basis_points);

}  // namespace hookd::server
