// The config file: TOML parsing, the schema and validate(). Properties: no
// crash; errors are reported, not thrown; a config that parses is written
// back by to_toml as TOML that parses to the same config.
#include "fuzz_check.hpp"
#include "hookd/config/config.hpp"

using hookd::fuzz::check;
using namespace hookd::config;

namespace {

// Every setting; `origins` (where each came from) differs by design.
bool same_settings(const Config& a, const Config& b) {
  return a.server == b.server && a.limits == b.limits && a.plugin_defaults == b.plugin_defaults &&
         a.log == b.log && a.kv == b.kv && a.fetch == b.fetch && a.signing == b.signing &&
         a.plugins == b.plugins && a.routes == b.routes;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto config = parse_config(hookd::fuzz::text(data, size), "fuzz.toml");
  if (!config) {
    check(!config.error().empty(), "parse_config failed without an error");
    return 0;
  }
  (void)validate(*config);
  const std::string toml = to_toml(*config, /*include_secrets=*/true);
  auto again = parse_config(toml, "written.toml");
  check(again.has_value(), "to_toml wrote TOML that does not parse");
  check(same_settings(*again, *config), "a config does not survive TOML -> config -> TOML -> config");
  return 0;
}
