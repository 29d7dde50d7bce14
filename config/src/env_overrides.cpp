// The environment layer: HOOKD_<SECTION>_<KEY> for every scalar setting.
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>

#include "diagnostics.hpp"
#include "hookd/config/env_names.hpp"
#include "schema.hpp"
#include "value_rules.hpp"

namespace hookd::config {
namespace {

using detail::FieldSpec;

constexpr std::string_view kPrefix = "HOOKD_";
constexpr std::string_view kAdminTokenAlias = "HOOKD_ADMIN_TOKEN";
constexpr std::string_view kPluginsPrefix = "HOOKD_PLUGINS_";

// Read by hookd or its scripts for other purposes; docs/configuration.md
// ("Environment variables") lists them. A new one goes here and there, or
// `hookd serve` refuses to start where it is set.
constexpr std::array<std::string_view, 12> kNonSettingVariables{
    "HOOKD_V8_FLAGS",          // engine flags (engine/src/v8/v8_platform.cpp)
    "HOOKD_BUILD_DIR",         // scripts/build.sh, test.sh
    "HOOKD_ASAN_BUILD_DIR",    // scripts/asan-build.sh, test.sh, fuzz.sh
    "HOOKD_JOBS",              // scripts/build.sh
    "HOOKD_SKIP_ASAN",         // scripts/test.sh
    "HOOKD_SKIP_FUZZ",         // scripts/test.sh
    "HOOKD_FUZZ_OUT",          // scripts/fuzz.sh
    "HOOKD_SETUP_BUILD_ONLY",  // scripts/setup.sh, Dockerfile
    "HOOKD_PLUGIN_DIR",        // scripts/cluster-up.sh
    "HOOKD_WORKERS",           // scripts/cluster-up.sh
    "HOOKD_CLUSTER_LOG_MAX",   // scripts/cluster-up.sh
    "HOOKD_MALLOC_TRACE",      // tests/alloc
};

std::string variable_name(const FieldSpec<Config>& spec) {
  std::string name = "HOOKD_" + spec.dotted();
  std::ranges::transform(name, name.begin(),
                         [](unsigned char c) { return c == '.' ? '_' : static_cast<char>(std::toupper(c)); });
  return name;
}

}  // namespace

EnvLookup process_environment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (!value) return std::nullopt;
    return std::string(value);
  };
}

std::span<const std::string_view> non_setting_variables() { return kNonSettingVariables; }

std::vector<std::string> hookd_variable_names() {
  std::vector<std::string> names;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    if (text.starts_with(kPrefix)) names.emplace_back(text.substr(0, text.find('=')));
  }
  return names;
}

Errors check_variable_names(std::span<const std::string> names) {
  detail::Diagnostics diag{"environment"};
  std::vector<std::string> settings;
  for (const auto& spec : detail::config_fields()) settings.push_back(variable_name(spec));
  std::vector<std::string_view> known(settings.begin(), settings.end());
  known.push_back(kAdminTokenAlias);
  for (const std::string& name : names) {
    if (!name.starts_with(kPrefix)) continue;
    if (std::ranges::find(known, name) != known.end()) continue;
    if (std::ranges::find(kNonSettingVariables, name) != kNonSettingVariables.end()) continue;
    std::string message;
    if (name.starts_with(kPluginsPrefix)) {
      message = fmt::format(
          "unknown variable {}: per-plugin settings have no environment variables; set them in the "
          "config file ([plugins.<name>]) or upload the plugin with its settings",
          name);
    } else {
      message = fmt::format("unknown variable {}", name);
      if (auto hint = detail::suggest(name, known)) message += fmt::format(" (did you mean {}?)", *hint);
      message += "; docs/configuration.md lists the variables";
    }
    diag.add(ConfigError::Kind::unknown_key, 0, name, std::move(message));
  }
  return std::move(diag.errors());
}

std::optional<std::string> env_variable_for(std::string_view dotted_key) {
  for (const auto& spec : detail::config_fields()) {
    if (spec.dotted() == dotted_key) return variable_name(spec);
  }
  return std::nullopt;
}

Errors apply_env_overrides(Config& config, const EnvLookup& env) {
  detail::Diagnostics diag{"environment"};
  if (!env) return {};
  for (const auto& spec : detail::config_fields()) {
    std::string name = variable_name(spec);
    auto value = env(name);
    if (spec.dotted() == "server.admin_token") {
      // The short alias is what operators and container platforms tend to set.
      auto alias = env(kAdminTokenAlias);
      if (value && alias && *value != *alias) {
        diag.add(ConfigError::Kind::conflict, 0, name,
                 fmt::format("conflicts with {}; set only one of them", kAdminTokenAlias));
        continue;
      }
      if (!value && alias) {
        value = std::move(alias);
        name = kAdminTokenAlias;
      }
    }
    if (!value) continue;
    const toml::table holder = detail::text_as_value(spec.text_form, *value);
    detail::FieldContext ctx{diag, name};
    const auto before = diag.count();
    spec.read(config, *holder.get("value"), ctx);
    if (diag.count() == before) config.origins[spec.dotted()] = Origin{"environment", 0, name};
  }
  return std::move(diag.errors());
}

}  // namespace hookd::config
