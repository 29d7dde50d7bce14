// Builds Options the way a user would, from a command line, so tests also
// cover the flag parsing they rely on.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "hookd/load/options.hpp"

namespace hookd::load::test {

inline std::expected<Options, UsageError> parse(std::vector<std::string> args) {
  args.insert(args.begin(), "hookd-load");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  return parse_options(static_cast<int>(argv.size()), argv.data());
}

/// Options that must parse; the test fails (and gets defaults) otherwise.
inline Options options(std::vector<std::string> args) {
  auto parsed = parse(args);
  EXPECT_TRUE(parsed.has_value()) << (parsed ? "" : parsed.error().message);
  Options o = parsed ? *parsed : Options{};
  o.progress = false;
  return o;
}

}  // namespace hookd::load::test
