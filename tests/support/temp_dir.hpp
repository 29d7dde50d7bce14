// The one temporary directory of the tests: a fresh directory under the
// system temp dir (mkdtemp: unique across tests and processes that ctest runs
// in parallel), removed with everything in it when the object goes.
// fresh_dir() is for tests that only need a path: its directories are
// removed when the test program exits.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace hookd::test {

class TempDir {
 public:
  explicit TempDir(std::string_view tag = "test") {
    std::string pattern =
        (std::filesystem::temp_directory_path() / ("hookd-" + std::string(tag) + "-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed for " + pattern);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // Writes `content` to `name` inside the directory and returns its path.
  std::string write(const std::string& name, std::string_view content) const {
    const auto file = path_ / name;
    std::ofstream(file, std::ios::binary) << content;
    return file.string();
  }

 private:
  std::filesystem::path path_;
};

// A fresh directory that lives until the test program exits.
inline std::filesystem::path fresh_dir(std::string_view tag) {
  static std::mutex mutex;
  static std::vector<std::unique_ptr<TempDir>> dirs;  // destroyed at exit: removed
  const std::lock_guard lock(mutex);
  return dirs.emplace_back(std::make_unique<TempDir>(tag))->path();
}

}  // namespace hookd::test
