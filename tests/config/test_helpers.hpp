// Small helpers shared by the config tests.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "hookd/config/config.hpp"

namespace hookd::config::testing {

/// Parses `text` as "hookd.toml" and returns the errors as printed, or fails the test.
inline std::vector<std::string> errors_of(std::string_view text) {
  auto result = parse_config(text, "hookd.toml");
  if (result) {
    ADD_FAILURE() << "expected errors, but the config parsed";
    return {};
  }
  std::vector<std::string> lines;
  for (const auto& error : result.error()) lines.push_back(error.to_string());
  return lines;
}

inline std::vector<std::string> printed(const Errors& errors) {
  std::vector<std::string> lines;
  for (const auto& error : errors) lines.push_back(error.to_string());
  return lines;
}

/// Parses text that must be valid.
inline Config parse_ok(std::string_view text, const std::filesystem::path& base_dir = {}) {
  auto result = parse_config(text, "hookd.toml", base_dir);
  if (!result) {
    ADD_FAILURE() << "unexpected errors:\n" << to_string(result.error());
    return defaults();
  }
  return std::move(*result);
}

/// A fresh directory for one test; unique per test and process so that tests
/// run in parallel by ctest do not share files. Removed on destruction.
class TempDir {
 public:
  TempDir() {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() / (std::string("hookd_config_") + test->test_suite_name() +
                                                      "_" + test->name() + "_" + std::to_string(::getpid()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// An in-memory environment.
inline EnvLookup fake_env(std::map<std::string, std::string, std::less<>> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    if (auto it = vars.find(name); it != vars.end()) return it->second;
    return std::nullopt;
  };
}

}  // namespace hookd::config::testing
