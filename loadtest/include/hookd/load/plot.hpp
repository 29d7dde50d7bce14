// A PNG of latency percentiles and throughput over time, drawn by gnuplot run
// as a child process on a generated script and data file.
#pragma once

#include <expected>
#include <string>
#include <vector>

#include "hookd/load/timeline.hpp"

namespace hookd::load {

/// Checked before a run, so a missing gnuplot fails fast, not after minutes.
std::expected<void, std::string> check_plot_tool();

/// The gnuplot script for `data_path` (columns: second, req/s, p50, p90,
/// p99, max in ms) writing `png_path`.
std::string plot_script(const std::string& data_path, const std::string& png_path, const std::string& title);
std::string plot_data(const std::vector<Sample>& samples);

std::expected<void, std::string> render_plot(const std::vector<Sample>& samples, const std::string& png_path,
                                             const std::string& title);

}  // namespace hookd::load
