// The query string of an admin request target, decoded. Bounded by the admin
// header limit (the target is part of the header); a malformed escape is an
// error, never a guess.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hookd/engine/result.hpp"

namespace hookd::server {

class QueryParams {
 public:
  /// Parses the part of `target` after '?' (none: no parameters).
  static engine::Result<QueryParams> parse(std::string_view target);

  /// The first value of `name`, if given.
  [[nodiscard]] std::optional<std::string_view> get(std::string_view name) const;
  /// Names given that are not in `known` (the first one), to refuse typos.
  [[nodiscard]] std::optional<std::string_view> unknown(std::initializer_list<std::string_view> known) const;

 private:
  std::vector<std::pair<std::string, std::string>> params_;
};

/// `text` as an unsigned integer in [min, max], or empty.
std::optional<uint64_t> parse_bounded(std::string_view text, uint64_t min, uint64_t max);

}  // namespace hookd::server
