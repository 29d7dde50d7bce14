// Which HOOKD_* environment variables hookd knows. apply_env_overrides()
// reads the settings' variables by name, so a misspelt one would be silently
// ignored and its setting left at the default; `hookd serve` therefore also
// checks the names of the HOOKD_* variables that are set.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hookd/config/config.hpp"

namespace hookd::config {

/// Variables named HOOKD_* that are not settings: hookd's own
/// (HOOKD_V8_FLAGS) and those of its scripts (HOOKD_BUILD_DIR, HOOKD_JOBS,
/// ...; docs/configuration.md lists them).
std::span<const std::string_view> non_setting_variables();

/// The names of the process's environment variables that start with HOOKD_.
std::vector<std::string> hookd_variable_names();

/// An error ("environment: NAME: ...") for every name that starts with
/// HOOKD_ and is neither a setting's variable (env_variable_for),
/// HOOKD_ADMIN_TOKEN, nor one of non_setting_variables(), with the nearest
/// setting's variable as a hint. HOOKD_PLUGINS_* gets its own message:
/// per-plugin settings have no variables (a plugin's name may contain '_',
/// so where it ends would be a guess).
[[nodiscard]] Errors check_variable_names(std::span<const std::string> names);

}  // namespace hookd::config
