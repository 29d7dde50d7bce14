// The layers in order: file (or defaults), environment, flags, then validate().
#include "hookd/config/config.hpp"

namespace hookd::config {
namespace {

void append(Errors& to, Errors from) {
  to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
}

}  // namespace

Result load(const LoadRequest& request) {
  Errors errors;
  Config config = defaults();
  if (request.file) {
    auto loaded = load_config_file(*request.file);
    if (loaded) {
      config = std::move(*loaded);
    } else {
      append(errors, std::move(loaded.error()));
    }
  }
  // The later layers still run after a bad file so that all mistakes show at once.
  if (request.env) append(errors, apply_env_overrides(config, request.env));
  append(errors, apply_cli_overrides(config, request.cli));
  // Cross-field checks on a half-read config would only echo the errors above.
  if (errors.empty()) append(errors, validate(config));
  if (!errors.empty()) return std::unexpected(std::move(errors));
  return config;
}

}  // namespace hookd::config
