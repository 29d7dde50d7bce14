// Turning a RunResult into text for people (a table) and for programs (JSON).
#pragma once

#include <expected>
#include <string>

#include "hookd/load/options.hpp"
#include "hookd/load/runner.hpp"

namespace hookd::load {

/// "http://host:port/path" as the run was configured.
std::string target_url(const Options& options);
/// Human units: "850ns", "12.3us", "4.56ms", "1.234s".
std::string format_latency(std::uint64_t ns);

std::string format_table(const Options& options, const RunResult& result);
std::string format_json(const Options& options, const RunResult& result);
/// One line for the live display, without a line break.
std::string format_progress(const Sample& sample, const Stats& cumulative);

std::expected<void, std::string> write_file(const std::string& path, const std::string& contents);

}  // namespace hookd::load
