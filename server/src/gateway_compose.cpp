#include <malloc.h>
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "cluster/cluster_node.hpp"
#include "gateway_impl.hpp"
#include "hookd/config/http_endpoint.hpp"
#include "hookd/server/build_info.hpp"
#include "hookd/util/hex.hpp"
#include "plugins/data_dir.hpp"
#include "plugins/local_catalog.hpp"

namespace hookd::server {

namespace asio = boost::asio;

namespace {

// 32 random bytes as hex; empty when there is no randomness.
std::string random_token(RandomSource& entropy) {
  uint8_t raw[32];
  if (!entropy.fill(raw)) return {};
  return util::to_hex(raw);
}

}  // namespace

ServerResult<void> Gateway::Impl::setup_token() {
  token = cfg.server.admin_token;
  if (!token.empty()) return {};
  // Kept in the data directory, so scripts and the dashboard's saved sign-in
  // keep working across restarts; deleting the file rotates it.
  token_file = cfg.server.data_dir / "admin.token";
  auto stored = load_or_create_token(token_file, [this] { return random_token(*parts.entropy); });
  if (!stored) return std::unexpected(stored.error());
  token = std::move(stored->token);
  if (stored->created) {
    spdlog::info("admin token generated and written to {} (mode 0600)", token_file.string());
  } else {
    spdlog::info("admin token read from {}", token_file.string());
  }
  return {};
}

ServerResult<void> Gateway::Impl::open_access_log(unsigned workers) {
  if (!cfg.log.access_log) return {};
  AccessLog::Options ao;
  ao.format = cfg.log.format;
  ao.path = cfg.log.access_log_file;
  ao.flush_interval = cfg.log.access_log_flush_interval;
  ao.clock = parts.clock;
  auto log = AccessLog::open(std::move(ao), workers);
  if (!log) return std::unexpected(log.error());
  access_log = std::move(*log);
  metrics->add_counter_source(
      "hookd_access_log_dropped_total",
      "Access log lines lost: dropped while the output stalled, or lost to a failed write.",
      [log = access_log.get()] { return log->dropped(); });
  return {};
}

ServerResult<void> Gateway::Impl::start_tracing() {
  const config::TracingConfig& t = cfg.tracing;
  if (!t.enabled) return {};
  auto endpoint = config::parse_http_endpoint(t.collector_url);
  if (!endpoint) return server_fail(ServerErrorKind::kConfig, "tracing.collector_url: " + endpoint.error());
  span_exporter = std::make_unique<SpanExporter>(
      SpanExporter::Options{.endpoint = std::move(*endpoint),
                            .service_name = t.service_name,
                            .service_version = std::string(build_info().version),
                            .queue_spans = t.queue_spans,
                            .batch_spans = t.batch_spans,
                            .interval = t.export_interval,
                            .timeout = t.export_timeout,
                            .retries = t.export_retries});
  tracer = std::make_unique<Tracer>(t.sample_ratio, *parts.clock, *parts.entropy, *span_exporter);
  SpanExporter* e = span_exporter.get();
  metrics->add_counter_source("hookd_trace_spans_exported_total", "Spans the collector accepted.",
                              [e] { return e->exported(); });
  metrics->add_counter_source(
      "hookd_trace_spans_dropped_total",
      "Spans dropped because the export queue was full (tracing.queue_spans): the collector is slow or down.",
      [e] { return e->dropped_queue_full(); });
  metrics->add_counter_source("hookd_trace_spans_export_failed_total",
                              "Spans dropped after every try to export them failed.",
                              [e] { return e->dropped_export_failed(); });
  metrics->add_counter_source("hookd_trace_export_requests_failed_total",
                              "Export requests that failed (each retry counts).",
                              [e] { return e->export_requests_failed(); });
  spdlog::info("tracing: spans go to {} (sample ratio {})", t.collector_url, t.sample_ratio);
  return {};
}

void Gateway::Impl::count_budgets() {
  requests.set_limit(cfg.limits.max_buffered_request_bytes);
  // Returning the freed bodies' pages walks every arena: on the admin
  // thread, not on a worker's request path.
  requests.set_trim([this] { asio::post(admin_io, [] { ::malloc_trim(0); }); });
  metrics->add_gauge_source(
      "hookd_buffered_request_bytes",
      "Bytes of request bodies and WebSocket messages being received (limits.max_buffered_request_bytes).",
      [this] { return requests.held(); });
  metrics->add_counter_source(
      "hookd_request_budget_refusals_total",
      "Requests refused (503) and WebSocket sessions closed (1013) at limits.max_buffered_request_bytes.",
      [this] { return requests.refusals(); });
}

// The one place that knows whether this gateway is a node of a cluster.
std::unique_ptr<PluginCatalog> Gateway::Impl::make_catalog() {
  if (cfg.cluster.enabled) {
    return std::make_unique<ClusterNode>(
        ClusterNode::Settings{.cluster = cfg.cluster,
                              .listen_port = cfg.server.listen.port,
                              .pinned = cfg.plugins,
                              .max_module_bytes = cfg.limits.max_module_bytes,
                              .keep_versions = cfg.server.keep_versions},
        std::make_unique<cluster::RedisLinks>(cfg.kv.redis), registry, *manager, *parts.clock,
        *parts.entropy);
  }
  return std::make_unique<LocalCatalog>(cfg.server.data_dir / "plugins", cfg.plugins, *manager,
                                        cfg.server.keep_versions);
}

// Builds every component, each from the slice of the configuration and the
// collaborators it uses; starts nothing but the threads that have no work
// until something is wired to them.
ServerResult<void> Gateway::Impl::compose() {
  const config::LimitsConfig& limits = cfg.limits;
  const unsigned n = config::effective_workers(cfg.server);
  metrics = std::make_unique<Metrics>(n);
  if (auto r = open_access_log(n); !r) return r;
  if (auto r = start_tracing(); !r) return r;
  count_budgets();
  if (auto r = ensure_private_dir(cfg.server.data_dir); !r) return std::unexpected(r.error());
  engine::Vm& vm = *parts.vm;
  recorder =
      std::make_unique<ExchangeRecorder>(*metrics, events, access_log.get(), cfg.log.websocket_messages);
  routes = std::make_unique<PublicRoutes>(cfg.server, state, *metrics, registry);
  for (unsigned i = 0; i < n; ++i) {
    workers.push_back(std::make_unique<IoWorker>(i, vm, registry));
    ids.push_back(std::make_unique<RequestIdGenerator>(*parts.entropy));
  }
  // The blocking lane: threads for plugins that wait on the network.
  blocking = std::make_unique<BlockingPool>(limits.blocking_threads, limits.queue_depth, vm, registry);
  calls = std::make_unique<CallDispatcher>(limits, *metrics, responses, *blocking);
  services = std::make_unique<PublicServices>(PublicServices{.limits = limits,
                                                             .trusted_proxies = cfg.server.trusted_proxies,
                                                             .state = state,
                                                             .connections = connections,
                                                             .requests = requests,
                                                             .responses = responses,
                                                             .calls = *calls,
                                                             .recorder = *recorder,
                                                             .routes = *routes,
                                                             .registry = registry,
                                                             .metrics = *metrics,
                                                             .version_override = cfg.server.version_override,
                                                             .version_header = cfg.server.version_header,
                                                             .tracer = tracer.get()});
  std::vector<IoWorker*> all;
  all.reserve(workers.size() + blocking->workers().size());
  for (auto& w : workers) all.push_back(w.get());
  for (IoWorker* w : blocking->workers()) all.push_back(w);
  if (parts.fetcher) fetcher = std::make_unique<CountingFetcher>(*parts.fetcher, *metrics);
  host_services = std::make_unique<PluginHostServices>(*parts.kv, config::to_string(cfg.kv.backend),
                                                       fetcher.get(), *metrics);
  manager = std::make_unique<PluginManager>(vm,
                                            PluginManager::Services{.config = cfg,
                                                                    .registry = registry,
                                                                    .metrics = *metrics,
                                                                    .events = events,
                                                                    .host = *host_services,
                                                                    .clock = *parts.clock,
                                                                    .entropy = parts.entropy},
                                            all);
  catalog = make_catalog();
  dashboard = std::make_unique<DashboardApi>(*metrics, events, *calls, *recorder, limits.max_body_bytes, all);
  admin_ids = std::make_unique<RequestIdGenerator>(*parts.entropy);
  admin_admission = std::make_unique<AdminAdmission>(limits.admin_max_connections);
  metrics->add_counter_source(
      "hookd_admin_connections_evicted_total",
      "Admin connections without a valid token closed to admit a new one at limits.admin_max_connections.",
      [admission = admin_admission.get()] { return admission->evicted(); });
  if (auto r = setup_token(); !r) return r;
  releases = std::make_unique<ReleaseController>(ReleaseController::Parts{.manager = *manager,
                                                                          .catalog = *catalog,
                                                                          .registry = registry,
                                                                          .metrics = *metrics,
                                                                          .cluster = cfg.cluster.enabled});
  admin_api = std::make_unique<AdminApi>(AdminApi::Parts{.manager = *manager,
                                                         .catalog = *catalog,
                                                         .dashboard = *dashboard,
                                                         .registry = registry,
                                                         .metrics = *metrics,
                                                         .pinned = cfg.plugins,
                                                         .releases = *releases},
                                         token);
  return {};
}

}  // namespace hookd::server
