#include "cluster/cluster_node.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>

#include "cluster/version_records.hpp"
#include "hookd/config/plugin_settings_json.hpp"
#include "hookd/engine/sha256.hpp"
#include "hookd/util/hex.hpp"
#include "hookd/util/random.hpp"

namespace hookd::server {
namespace json = boost::json;
namespace {

constexpr size_t kMaxNodes = 1000;
constexpr uint32_t kLogBatch = 64;
constexpr auto kMaxBackoff = std::chrono::milliseconds(2000);

std::string hostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "hookd";
  return buf;
}

int64_t epoch_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

ClusterNode::ClusterNode(Settings settings, std::unique_ptr<cluster::RedisLinks> redis,
                         const PluginRegistry& registry, PluginManager& manager, const util::Clock& clock,
                         util::RandomSource& entropy)
    : cluster_(settings.cluster),
      pinned_(settings.pinned),
      max_module_bytes_(settings.max_module_bytes),
      keep_versions_(settings.keep_versions),
      registry_(registry),
      manager_(manager),
      clock_(clock),
      redis_(std::move(redis)) {
  admin_catalog_ = std::make_unique<cluster::ClusterCatalog>(redis_->admin(), cluster_.key_prefix,
                                                             cluster_.log_max_entries);
  follow_catalog_ = std::make_unique<cluster::ClusterCatalog>(redis_->follow(), cluster_.key_prefix,
                                                              cluster_.log_max_entries);
  node_id_ = cluster_.node_id;
  if (node_id_.empty()) {
    uint8_t raw[4]{};  // all zero if there is no entropy: the host name still tells nodes apart
    if (settings.listen_port == 0) (void)entropy.fill(raw);
    node_id_ = hostname() + "-" +
               (settings.listen_port != 0 ? std::to_string(settings.listen_port) : util::to_hex(raw));
  }
  advertise_ = cluster_.advertise;
}

ClusterNode::~ClusterNode() { stop(); }

engine::Result<void> ClusterNode::initial_sync() {
  const auto give_up = std::chrono::steady_clock::now() + cluster_.sync_timeout;
  auto backoff = std::chrono::milliseconds(50);
  for (;;) {
    auto r = resync();
    if (r) return {};
    if (std::chrono::steady_clock::now() + backoff >= give_up) {
      return engine::fail(engine::ErrorKind::kHostError,
                          "cannot load the cluster catalog from Redis at " + redis_->options().host + ":" +
                              std::to_string(redis_->options().port) + ": " + r.error().message,
                          503);
    }
    spdlog::warn("cluster: {}; retrying", r.error().message);
    if (!pause(backoff)) return engine::fail(engine::ErrorKind::kInternal, "stopped");
    backoff = std::min(backoff * 2, kMaxBackoff);
  }
}

ServerResult<void> ClusterNode::join() {
  if (auto r = initial_sync(); !r) return server_fail(ServerErrorKind::kStorage, r.error().message);
  return {};
}

void ClusterNode::start(uint16_t public_port) {
  if (advertise_.empty()) advertise_ = hostname() + ":" + std::to_string(public_port);
  follower_ = std::thread([this] { follow(); });
  heartbeat_ = std::thread([this] { beat(); });
  spdlog::info("cluster: node {} following the catalog at version {}", node_id_, applied_version_);
}

void ClusterNode::set_leaving() {
  leaving_.store(true);
  wake_.notify_all();  // the next heartbeat says so now
}

void ClusterNode::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !follower_.joinable() && !heartbeat_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (follower_.joinable()) follower_.join();
  if (heartbeat_.joinable()) heartbeat_.join();
}

bool ClusterNode::pause(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  return !wake_.wait_for(lock, d, [this] { return stopping_; });
}

void ClusterNode::record_error(std::string error, std::string plugin) {
  spdlog::error("cluster: {}", error);
  std::lock_guard lock(mu_);
  last_error_ = std::move(error);
  last_error_plugin_ = std::move(plugin);
  last_error_ms_ = epoch_ms(clock_.now());
}

void ClusterNode::clear_error(std::string_view plugin) {
  std::lock_guard lock(mu_);
  if (last_error_.empty() || last_error_plugin_ != plugin) return;
  spdlog::info("cluster: recovered from: {}", last_error_);
  last_error_.clear();
  last_error_plugin_.clear();
  last_error_ms_ = 0;
}

engine::Result<uint64_t> ClusterNode::save(const std::string& name, std::span<const uint8_t> wasm,
                                           const config::PluginSettings& settings, const VersionInfo& info) {
  const std::string settings_json = config::plugin_settings_to_json(settings);
  auto change = admin_catalog_->put(name, wasm, engine::sha256_hex(wasm), settings_json,
                                    cluster::version_record_json(info, settings_json), keep_versions_);
  if (!change) return std::unexpected(change.error());
  std::lock_guard lock(mu_);
  from_catalog_.insert(name);
  return change->upload;
}

engine::Result<void> ClusterNode::serve(const std::string& name, uint64_t number,
                                        std::span<const uint8_t> wasm,
                                        const config::PluginSettings& settings) {
  auto change = admin_catalog_->serve(name, number, engine::sha256_hex(wasm),
                                      config::plugin_settings_to_json(settings));
  if (!change) return std::unexpected(change.error());
  if (!*change) {
    return engine::fail(engine::ErrorKind::kNotFound,
                        "version " + std::to_string(number) + " of plugin " + name + " is no longer kept",
                        404);
  }
  std::lock_guard lock(mu_);
  from_catalog_.insert(name);
  return {};
}

namespace {
// A failed read of the catalog, with the status the admin API answers: 503
// when Redis is away, 500 for a malformed entry.
engine::Error read_error(engine::Error e) {
  if (e.status == 0) e.status = 500;
  return e;
}
}  // namespace

engine::Result<std::optional<VersionHistory>> ClusterNode::versions(const std::string& name) {
  auto fields = admin_catalog_->history(name);
  if (!fields) return std::unexpected(read_error(fields.error()));
  auto parsed = cluster::parse_history(*fields);
  if (!parsed) return std::nullopt;
  return std::move(parsed->history);
}

engine::Result<std::optional<StoredPlugin>> ClusterNode::version(const std::string& name, uint64_t number) {
  auto fields = admin_catalog_->history(name);
  if (!fields) return std::unexpected(read_error(fields.error()));
  auto parsed = cluster::parse_history(*fields);
  if (!parsed) return std::nullopt;
  const VersionInfo* info = parsed->history.find(number);
  if (info == nullptr) return std::nullopt;
  auto settings = config::parse_plugin_settings_json(parsed->settings_json[number], name);
  if (!settings) {
    return engine::fail(
        engine::ErrorKind::kInternal,
        "version " + std::to_string(number) + " of plugin " + name +
            " has bad settings in the cluster catalog: " + config::to_string(settings.error()),
        500);
  }
  auto wasm = admin_catalog_->module(info->sha256, max_module_bytes_);
  if (!wasm) return std::unexpected(read_error(wasm.error()));
  return StoredPlugin{name, std::move(*wasm), std::move(*settings)};
}

engine::Result<bool> ClusterNode::remove(const std::string& name) {
  // The catalog first, so the removal is acknowledged only once Redis has it.
  auto change = admin_catalog_->remove(name);
  if (!change) {
    // 503: not applied; 504: Redis did not answer, outcome unknown (cluster_catalog.hpp).
    engine::Error error = change.error();
    if (error.status != 504) error.status = 503;
    return std::unexpected(std::move(error));
  }
  const bool in_catalog = change->has_value();
  auto removed = manager_.remove(name);
  if (!removed) return std::unexpected(removed.error());
  return *removed || in_catalog;
}

engine::Result<void> ClusterNode::install(const cluster::Manifest& m) {
  // This node's config file pins its own plugins (an upload here is refused
  // with 409); one uploaded through a node whose config lacks it does not
  // replace it either.
  if (config_plugin(pinned_, m.name) != nullptr) {
    record_error("plugin " + m.name + " version " + std::to_string(m.version) +
                     " from the cluster catalog is not loaded: this node's config file pins " + m.name,
                 m.name);
    return {};
  }
  auto settings = config::parse_plugin_settings_json(m.settings_json, m.name);
  if (!settings) {
    record_error("plugin " + m.name + " version " + std::to_string(m.version) +
                     ": bad settings: " + config::to_string(settings.error()),
                 m.name);
    return {};
  }
  {
    auto catalog = registry_.snapshot();
    const PluginEntry* current = catalog->find(m.name);
    if (current != nullptr && current->module->sha256() == m.sha256 && current->settings == *settings) {
      clear_error(m.name);
      std::lock_guard lock(mu_);
      from_catalog_.insert(m.name);
      return {};  // already serving (this node's own upload, or a repeat)
    }
  }
  auto wasm = follow_catalog_->module(m.sha256, max_module_bytes_);
  if (!wasm) {
    // Redis away: the caller retries. A missing or corrupt module: reported.
    if (wasm.error().status == 503) return std::unexpected(wasm.error());
    record_error("plugin " + m.name + " version " + std::to_string(m.version) + ": " + wasm.error().message,
                 m.name);
    return {};
  }
  // Its number among the plugin's versions, when the catalog's serving
  // version is this module (else it moved on; a later change sets it).
  PluginManager::Persist persist{PluginManager::Persist::kNo};
  if (auto fields = follow_catalog_->history(m.name); fields) {
    if (auto parsed = cluster::parse_history(*fields); parsed) {
      const VersionInfo* serving = parsed->history.find(parsed->history.serving);
      if (serving != nullptr && serving->sha256 == m.sha256) persist.version = serving->number;
    }
  }
  auto r = manager_.install(m.name, *wasm, std::move(*settings), std::move(persist));
  if (!r) {
    record_error("plugin " + m.name + " version " + std::to_string(m.version) +
                     " not loaded, the previous version keeps serving: " + r.error().describe(),
                 m.name);
    return {};
  }
  clear_error(m.name);
  std::lock_guard lock(mu_);
  from_catalog_.insert(m.name);
  return {};
}

engine::Result<void> ClusterNode::resync() {
  auto snapshot = follow_catalog_->snapshot();
  if (!snapshot) return std::unexpected(snapshot.error());
  for (const auto& what : snapshot->malformed) record_error("catalog entry skipped: " + what);
  std::set<std::string> wanted;
  for (const auto& m : snapshot->plugins) {
    wanted.insert(m.name);
    if (auto r = install(m); !r) return r;
  }
  std::set<std::string> stale;
  {
    std::lock_guard lock(mu_);
    for (const auto& name : from_catalog_) {
      if (!wanted.contains(name)) stale.insert(name);
    }
  }
  for (const auto& name : stale) {
    if (auto r = manager_.remove(name); !r)
      record_error("plugin " + name + ": " + r.error().describe(), name);
  }
  std::lock_guard lock(mu_);
  for (const auto& name : stale) from_catalog_.erase(name);
  applied_version_ = snapshot->version;
  applied_id_ = snapshot->last_id;
  spdlog::info("cluster: catalog loaded at version {} ({} plugins)", snapshot->version,
               snapshot->plugins.size());
  return {};
}

engine::Result<void> ClusterNode::apply(const cluster::Change& change) {
  if (change.op == cluster::Change::Op::kDelete) {
    // A pinned config file plugin of that name is this node's own: it stays.
    if (config_plugin(pinned_, change.name) == nullptr) {
      if (auto r = manager_.remove(change.name); !r) {
        record_error("plugin " + change.name + ": " + r.error().describe(), change.name);
      }
    }
    clear_error(change.name);
    std::lock_guard lock(mu_);
    from_catalog_.erase(change.name);
    return {};
  }
  // The manifest may have moved on already; a later entry applies that.
  auto m = follow_catalog_->manifest(change.name);
  if (!m && m.error().status == 503) return std::unexpected(m.error());
  if (!m) {  // a malformed manifest: reported, and the change skipped
    record_error("plugin " + change.name + " version " + std::to_string(change.version) + ": " +
                 m.error().message);
    return {};
  }
  if (!m->has_value() || (*m)->version != change.version) return {};
  return install(**m);
}

void ClusterNode::follow() {
  const auto command_timeout = redis_->options().command_timeout;
  // Shorter than the socket timeout, so a blocked XREAD is not a timeout.
  const int64_t block_ms = std::clamp<int64_t>(command_timeout.count() / 2, 1, 1000);
  auto backoff = std::chrono::milliseconds(50);
  bool synced = true;  // initial_sync() ran
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
    if (!synced) {
      if (auto r = resync(); !r) {
        record_error(r.error().message);
        if (!pause(backoff)) return;
        backoff = std::min(backoff * 2, kMaxBackoff);
        continue;
      }
      synced = true;
      clear_error({});
    }
    std::string after;
    uint64_t applied = 0;
    {
      std::lock_guard lock(mu_);
      after = applied_id_;
      applied = applied_version_;
    }
    auto changes = follow_catalog_->read_log(after, block_ms, kLogBatch);
    if (!changes) {
      record_error(changes.error().message);
      if (!pause(backoff)) return;
      backoff = std::min(backoff * 2, kMaxBackoff);
      continue;
    }
    backoff = std::chrono::milliseconds(50);
    clear_error({});  // Redis answers again
    // Entries after ours carry the next versions, in order. A gap: entries
    // were trimmed away while this node was behind. An older version: the
    // catalog was reset (a Redis that lost its data). Either way, resync.
    for (const auto& c : *changes) {
      if (c.version > applied + 1) {
        spdlog::warn("cluster: log entries {}..{} were trimmed away; resyncing from the manifests",
                     applied + 1, c.version - 1);
        synced = false;
        break;
      }
      if (c.version <= applied) {
        spdlog::warn("cluster: the catalog was reset (version {} after {}); resyncing", c.version, applied);
        synced = false;
        break;
      }
      if (auto r = apply(c); !r) {  // Redis went away mid-change: retry it
        record_error(r.error().message);
        pause(backoff);
        backoff = std::min(backoff * 2, kMaxBackoff);
        break;
      }
      applied = c.version;
      std::lock_guard lock(mu_);
      applied_version_ = applied;
      applied_id_ = c.id;
    }
  }
}

std::string ClusterNode::status_json() {
  json::object plugins;
  for (const auto& [name, entry] : registry_.snapshot()->plugins) plugins[name] = entry->module->sha256();
  const auto now = clock_.now();
  json::object o{{"id", node_id_},
                 {"address", advertise_},
                 {"state", leaving_.load() ? "leaving" : "serving"},
                 {"last_seen_ms", epoch_ms(now)},
                 {"plugins", std::move(plugins)}};
  std::lock_guard lock(mu_);
  o["catalog_version"] = applied_version_;
  o["log_id"] = applied_id_;
  o["last_error"] = last_error_.empty() ? json::value(nullptr) : json::value(last_error_);
  o["last_error_at_ms"] = last_error_.empty() ? json::value(nullptr) : json::value(last_error_ms_);
  return json::serialize(o);
}

void ClusterNode::beat() {
  const auto& c = cluster_;
  bool was_leaving = false;
  for (;;) {
    if (auto r = admin_catalog_->heartbeat(node_id_, status_json(), c.node_ttl.count()); !r) {
      spdlog::warn("cluster heartbeat: {}", r.error().message);
    }
    std::unique_lock lock(mu_);
    wake_.wait_for(lock, c.heartbeat_interval,
                   [&] { return stopping_ || (leaving_.load() && !was_leaving); });
    if (stopping_) break;
    was_leaving = leaving_.load();
  }
  // Leave the list at once instead of when the heartbeat expires.
  if (auto r = admin_catalog_->forget(node_id_); !r) spdlog::warn("cluster: {}", r.error().message);
}

std::optional<engine::Result<std::string>> ClusterNode::nodes_json() {
  auto nodes = admin_catalog_->nodes(kMaxNodes);
  if (!nodes) return std::unexpected(nodes.error());
  json::array out;
  for (const auto& text : *nodes) {
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (!ec && v.is_object()) out.push_back(std::move(v));
  }
  std::ranges::sort(out, [](const json::value& a, const json::value& b) {
    const auto* ia = a.as_object().if_contains("id");
    const auto* ib = b.as_object().if_contains("id");
    return ia && ib && ia->is_string() && ib->is_string() && ia->as_string() < ib->as_string();
  });
  return json::serialize(json::object{{"node", node_id_}, {"nodes", std::move(out)}}) + "\n";
}

}  // namespace hookd::server
