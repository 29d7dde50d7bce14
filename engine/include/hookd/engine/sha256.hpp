#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace hookd::engine {

// Lower-case hex SHA-256 of `data` (OpenSSL).
std::string sha256_hex(std::span<const uint8_t> data);

// Compares an expected hex digest (any case, surrounding space ignored) with
// an actual one.
bool sha256_matches(std::string_view expected_hex, std::string_view actual_hex);

}  // namespace hookd::engine
