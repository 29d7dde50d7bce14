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
#include "temp_dir.hpp"

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

/// A fresh directory for one test, removed on destruction.
using TempDir = hookd::test::TempDir;

/// An in-memory environment.
inline EnvLookup fake_env(std::map<std::string, std::string, std::less<>> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    if (auto it = vars.find(name); it != vars.end()) return it->second;
    return std::nullopt;
  };
}

}  // namespace hookd::config::testing
