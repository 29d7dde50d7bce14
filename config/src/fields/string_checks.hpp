// String rules more than one section uses.
#pragma once

#include <expected>
#include <string>

namespace hookd::config::detail {

/// Printable ASCII without spaces (tokens, secrets, advertised addresses).
std::expected<std::string, std::string> check_token(std::string text);
std::expected<std::string, std::string> check_not_empty(std::string text);

}  // namespace hookd::config::detail
