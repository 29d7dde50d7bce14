#include "hookd/util/hex.hpp"

namespace hookd::util {

namespace {

int lower_hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

void write_hex(std::span<const uint8_t> bytes, char* out) {
  for (uint8_t b : bytes) {
    *out++ = kHexDigits[b >> 4];
    *out++ = kHexDigits[b & 15];
  }
}

std::string to_hex(std::span<const uint8_t> bytes) {
  std::string out(bytes.size() * 2, '\0');
  write_hex(bytes, out.data());
  return out;
}

bool read_lower_hex(std::string_view text, std::span<uint8_t> out) {
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = lower_hex_value(text[2 * i]);
    const int lo = lower_hex_value(text[(2 * i) + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<uint8_t>((hi << 4) | lo);
  }
  return true;
}

bool is_lower_hex(std::string_view text, size_t digits) {
  return text.size() == digits && text.find_first_not_of(kHexDigits) == std::string_view::npos;
}

}  // namespace hookd::util
