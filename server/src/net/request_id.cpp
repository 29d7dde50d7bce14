#include "net/request_id.hpp"

#include <charconv>
#include <cstring>

namespace hookd::server {

RequestIdGenerator::RequestIdGenerator(RandomSource& entropy) {
  static constexpr char kAlphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  uint8_t raw[12] = {};
  if (!entropy.fill(raw)) {
    for (size_t i = 0; i < sizeof raw; ++i)
      raw[i] = static_cast<uint8_t>(reinterpret_cast<uintptr_t>(this) >> (i % 8));
  }
  for (size_t i = 0; i < 12; ++i) prefix_[i] = kAlphabet[raw[i] % 36];
  prefix_[12] = '\0';
}

std::string RequestIdGenerator::next() {
  std::string id;
  next(id);
  return id;
}

void RequestIdGenerator::next(std::string& out) {
  // prefix, '-', at most 20 digits; written in place (on the request path).
  out.resize_and_overwrite(12 + 1 + 20, [this](char* p, std::size_t n) {
    std::memcpy(p, prefix_, 12);
    p[12] = '-';
    const auto [end, ec] = std::to_chars(p + 13, p + n, ++counter_);
    return static_cast<std::size_t>(end - p);
  });
}

bool acceptable_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace hookd::server
