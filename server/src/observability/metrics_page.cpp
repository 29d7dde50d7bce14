#include "observability/metrics_page.hpp"

#include "observability/metrics.hpp"
#include "observability/metrics_exposition.hpp"
#include "observability/process_metrics.hpp"
#include "plugins/plugin_registry.hpp"

namespace hookd::server {

std::string render_metrics_page(const Metrics& metrics, const PluginRegistry& registry) {
  std::string page = metrics.render();
  // An info-style gauge rather than an `abi` label on every request series:
  // one series per plugin, read from the snapshot a scrape takes anyway.
  prom::Exposition e;
  e.family(
      "hookd_plugin_info", "gauge",
      "Loaded plugins, one series each, always 1: the guest ABI (hookd, extism, wapc, wasi-http) and the "
      "SHA-256 of the module.");
  const auto catalog = registry.snapshot();
  if (catalog) {
    for (const auto& [name, entry] : catalog->plugins) {
      e.sample("hookd_plugin_info",
               {{"plugin", name},
                {"abi", engine::abi_name(entry->module->abi())},
                {"sha256", entry->module->sha256()}},
               1);
    }
  }
  render_process_metrics(e);
  page += e.take();
  return page;
}

}  // namespace hookd::server
