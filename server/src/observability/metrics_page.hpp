// GET /metrics, on the public and the admin port: the gateway's counters
// (Metrics::render) followed by the series rendered at scrape time from the
// plugin registry, so they cost the request path nothing.
#pragma once

#include <string>

namespace hookd::server {

class Metrics;
class PluginRegistry;

/// The whole exposition: Metrics::render(), then hookd_plugin_info (one
/// series per loaded plugin: its name, guest ABI and module SHA-256), then
/// the process metrics (process_metrics.hpp).
std::string render_metrics_page(const Metrics& metrics, const PluginRegistry& registry);

}  // namespace hookd::server
