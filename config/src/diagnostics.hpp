// Collects errors while one source (a file, the environment, ...) is read, so
// every problem is reported in one go. Private to hookd_config.
#pragma once

#include <toml++/toml.h>

#include <string>
#include <utility>

#include "hookd/config/config.hpp"

namespace hookd::config::detail {

class Diagnostics {
 public:
  explicit Diagnostics(std::string source) : source_(std::move(source)) {}

  const std::string& source() const { return source_; }
  std::size_t count() const { return errors_.size(); }
  Errors& errors() { return errors_; }

  void add(ConfigError::Kind kind, int line, std::string key, std::string message) {
    errors_.push_back({source_, line, std::move(key), std::move(message), kind});
  }
  void invalid(int line, std::string key, std::string message) {
    add(ConfigError::Kind::invalid_value, line, std::move(key), std::move(message));
  }

 private:
  std::string source_;
  Errors errors_;
};

/// The 1-based line a node starts on; 0 for nodes built in code (env, JSON).
inline int line_of(const toml::node& node) { return static_cast<int>(node.source().begin.line); }

/// Where one field is being read: errors about it carry this key.
struct FieldContext {
  Diagnostics& diag;
  std::string key;

  void fail(const toml::node& at, std::string message) { diag.invalid(line_of(at), key, std::move(message)); }
};

}  // namespace hookd::config::detail
