// builtin_host_functions(): one plugin's grants, fixed at load, and the
// built-in host functions of every service (one file each) that check them.
#include <memory>

#include "hookd/host/plugin_services.hpp"
#include "plugin/plugin_grants.hpp"
#include "plugin/services.hpp"

namespace hookd::host {

std::vector<engine::HostFunction> builtin_host_functions(const std::string& plugin,
                                                         const config::PluginSettings& settings,
                                                         HostServices services) {
  auto g = std::make_shared<detail::Grants>();
  g->plugin = plugin;
  if (settings.grants.kv) {
    g->kv_namespace =
        settings.grants.kv->namespace_name.empty() ? plugin : settings.grants.kv->namespace_name;
    g->kv_write = settings.grants.kv->mode == config::KvMode::read_write;
  }
  g->config = settings.grants.config;
  g->crypto = settings.grants.crypto;
  g->config_values = settings.config;
  g->fetch = fetch_policy(settings.grants);
  g->log = std::move(services.log);

  std::vector<engine::HostFunction> fns;
  detail::add_kv_functions(fns, g, services.kv);
  detail::add_config_function(fns, g);
  detail::add_fetch_function(fns, g, services.fetcher);
  detail::add_request_functions(fns);
  detail::add_response_functions(fns, g);
  detail::add_crypto_functions(fns, g);
  return fns;
}

}  // namespace hookd::host
