// Where the build put the plugins under test (built from source by
// hookd_add_plugin), and small helpers shared by tests.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace hookd::test {

inline std::string plugin_path(std::string_view name) {
  return std::string(HOOKD_PLUGIN_DIR) + "/" + std::string(name) + ".wasm";
}

inline std::span<const uint8_t> bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

inline std::string text(std::span<const uint8_t> b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

}  // namespace hookd::test
