// The value kv_crash_writer stores under each key, so the crash test can
// check every acknowledged key holds exactly what was written.
#pragma once

#include <string>
#include <string_view>

namespace hookd::host::test {

inline constexpr std::string_view kCrashNamespace = "crash";

inline std::string crash_value(std::string_view key) {
  std::string value;
  const std::size_t size = 512 + (key.size() * 97) % 3000;  // varied sizes, some overflow pages
  while (value.size() < size) value.append(key).push_back('|');
  value.resize(size);
  return value;
}

}  // namespace hookd::host::test
