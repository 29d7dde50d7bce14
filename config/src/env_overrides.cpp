// The environment layer: HOOKD_<SECTION>_<KEY> for every scalar setting.
#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "diagnostics.hpp"
#include "schema.hpp"

namespace hookd::config {
namespace {

using detail::FieldSpec;

constexpr std::string_view kAdminTokenAlias = "HOOKD_ADMIN_TOKEN";

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
