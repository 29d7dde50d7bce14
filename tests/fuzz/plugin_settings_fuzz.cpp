// The admin API's plugin settings JSON. Properties: no crash; every error
// names something; settings that parse serialize to JSON that parses back to
// the same settings.
#include "fuzz_check.hpp"
#include "hookd/config/plugin_settings_json.hpp"

using hookd::fuzz::check;
using namespace hookd::config;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto settings = parse_plugin_settings_json(hookd::fuzz::text(data, size), "fuzzed");
  if (!settings) {
    check(!settings.error().empty(), "parse_plugin_settings_json failed without an error");
    for (const auto& e : settings.error()) check(!to_string(Errors{e}).empty(), "an empty error message");
    return 0;
  }
  const std::string json = plugin_settings_to_json(*settings);
  auto again = parse_plugin_settings_json(json, "fuzzed");
  check(again.has_value(), "plugin_settings_to_json wrote JSON that does not parse");
  check(*again == *settings, "plugin settings do not survive JSON -> settings -> JSON -> settings");
  return 0;
}
