// Standard base64 (RFC 4648 section 4: + and /, padded with =).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hookd::util {

/// Characters base64_encode writes for `n` bytes.
constexpr size_t base64_encoded_size(size_t n) { return (n + 2) / 3 * 4; }

/// Writes base64_encoded_size(data.size()) characters at `out` and returns
/// the end; for callers that size their buffer once (the transcoder).
char* base64_encode_to(std::span<const uint8_t> data, char* out);

std::string base64_encode(std::span<const uint8_t> data);
inline std::string base64_encode(std::string_view data) {
  return base64_encode({reinterpret_cast<const uint8_t*>(data.data()), data.size()});
}

/// Padded input only (a multiple of 4 characters); nullopt on any other
/// character or a misplaced '='. Unused low bits of the last group are
/// ignored.
std::optional<std::vector<uint8_t>> base64_decode(std::string_view text);

}  // namespace hookd::util
