#include "routing/method_set.hpp"

#include <algorithm>

namespace hookd::routing {
namespace {

constexpr std::array<std::string_view, kMethodCount> kNames{"GET",    "HEAD",  "POST",   "PUT",
                                                            "DELETE", "PATCH", "OPTIONS"};

}  // namespace

std::optional<Method> method_from(std::string_view text) {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == text) return static_cast<Method>(i);
  }
  return std::nullopt;
}

std::string_view to_string(Method method) { return kNames[static_cast<std::size_t>(method)]; }

std::string_view MethodSet::allow_header(std::span<char, 64> buffer) const {
  MethodSet shown = *this;
  if (shown.contains(Method::get)) shown.add(Method::head);
  std::size_t length = 0;
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (!shown.contains(static_cast<Method>(i))) continue;
    if (length != 0) {
      buffer[length++] = ',';
      buffer[length++] = ' ';
    }
    length =
        static_cast<std::size_t>(std::ranges::copy(kNames[i], buffer.data() + length).out - buffer.data());
  }
  return {buffer.data(), length};
}

}  // namespace hookd::routing
