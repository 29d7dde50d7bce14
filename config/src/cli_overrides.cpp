// The command-line layer: the few settings `hookd serve` takes as flags.
#include "diagnostics.hpp"
#include "schema.hpp"

namespace hookd::config {
namespace {

void apply_flag(Config& config, detail::Diagnostics& diag, std::string_view dotted_key, std::string_view flag,
                const toml::table& holder) {
  for (const auto& spec : detail::config_fields()) {
    if (spec.dotted() != dotted_key) continue;
    detail::FieldContext ctx{diag, std::string(flag)};
    const auto before = diag.count();
    spec.read(config, *holder.get("value"), ctx);
    if (diag.count() == before) {
      config.origins[spec.dotted()] = Origin{"command line", 0, std::string(flag)};
    }
    return;
  }
}

toml::table holding(auto value) {
  toml::table holder;
  holder.insert("value", std::move(value));
  return holder;
}

}  // namespace

Errors apply_cli_overrides(Config& config, const CliOverrides& cli) {
  detail::Diagnostics diag{"command line"};
  if (cli.listen) apply_flag(config, diag, "server.listen", "--listen", holding(*cli.listen));
  if (cli.admin_listen) {
    apply_flag(config, diag, "server.admin_listen", "--admin-listen", holding(*cli.admin_listen));
  }
  if (cli.data_dir) {
    apply_flag(config, diag, "server.data_dir", "--data-dir", holding(cli.data_dir->string()));
  }
  if (cli.workers) apply_flag(config, diag, "server.workers", "--workers", holding(*cli.workers));
  return std::move(diag.errors());
}

}  // namespace hookd::config
