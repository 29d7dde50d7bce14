#include "hookd/config/plugin_manifest.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <set>

#include "hookd/config/plugin_settings_json.hpp"
#include "value_rules.hpp"

namespace hookd::config {
namespace {

namespace json = boost::json;

std::set<std::string> pattern_texts(const std::vector<FetchPattern>& patterns) {
  std::set<std::string> out;
  for (const FetchPattern& p : patterns) out.insert(p.to_string());
  return out;
}

std::string kv_namespace(const KvGrant& kv, std::string_view plugin_name) {
  return kv.namespace_name.empty() ? std::string(plugin_name) : kv.namespace_name;
}

}  // namespace

std::string manifest_json(const PluginManifest& manifest) {
  json::object grants;
  if (manifest.grants.kv) {
    grants["kv"] = json::object{{"namespace", kv_namespace(*manifest.grants.kv, manifest.name)},
                                {"mode", std::string(to_string(manifest.grants.kv->mode))}};
  }
  json::array fetch;
  for (const std::string& p : pattern_texts(manifest.grants.fetch)) fetch.emplace_back(p);
  grants["fetch"] = std::move(fetch);
  grants["config"] = manifest.grants.config;
  // Only when granted, so that manifests signed before the grant existed
  // keep their bytes.
  if (manifest.grants.crypto) grants["crypto"] = true;
  grants["log_level"] = std::string(to_string(manifest.grants.log_level));
  grants["log_rate_per_sec"] = manifest.grants.log_rate_per_sec;
  // boost::json::object keeps insertion order, which is the canonical order.
  json::object root;
  root["name"] = manifest.name;
  root["sha256"] = manifest.sha256;
  root["grants"] = std::move(grants);
  return json::serialize(root);
}

std::expected<PluginManifest, std::string> parse_manifest_json(std::string_view text) {
  json::error_code ec;
  json::value value = json::parse(text, ec);
  if (ec || !value.is_object()) return std::unexpected(std::string("not a JSON object"));
  json::object& root = value.as_object();
  const json::value* name = root.if_contains("name");
  if (name == nullptr || !name->is_string() || !detail::is_plugin_name(name->as_string())) {
    return std::unexpected(std::string("\"name\" must be a plugin name (1 to 64 of A-Z a-z 0-9 _ -)"));
  }
  PluginManifest manifest;
  manifest.name = std::string(name->as_string());
  if (!root.contains("sha256") || !root.contains("grants")) {
    return std::unexpected(std::string("\"sha256\" and \"grants\" are required"));
  }
  // The rest is a plugin's settings in their JSON form: one set of rules.
  root.erase("name");
  auto settings = parse_plugin_settings_json(json::serialize(root), manifest.name);
  if (!settings) return std::unexpected(to_string(settings.error()));
  manifest.sha256 = std::move(settings->sha256);
  manifest.grants = std::move(settings->grants);
  if (manifest.sha256.empty()) return std::unexpected(std::string("\"sha256\" must be the module's SHA-256"));
  if (manifest_json(manifest) != text) {
    return std::unexpected(std::string(
        "not in canonical form (only name, sha256 and grants, compact, in the order `hookd sign` writes)"));
  }
  return manifest;
}

std::optional<std::string> grants_beyond(const PluginGrants& installed, const PluginGrants& signed_grants,
                                         std::string_view plugin_name) {
  if (installed.kv) {
    if (!signed_grants.kv) return "grants.kv: KV access is not in the signed manifest";
    const std::string ns = kv_namespace(*installed.kv, plugin_name);
    const std::string signed_ns = kv_namespace(*signed_grants.kv, plugin_name);
    if (ns != signed_ns) {
      return "grants.kv: namespace \"" + ns + "\" is not the signed \"" + signed_ns + "\"";
    }
    if (installed.kv->mode == KvMode::read_write && signed_grants.kv->mode == KvMode::read) {
      return std::string("grants.kv: mode rw is wider than the signed r");
    }
  }
  const std::set<std::string> allowed = pattern_texts(signed_grants.fetch);
  for (const FetchPattern& p : installed.fetch) {
    if (!allowed.contains(p.to_string())) {
      return "grants.fetch: \"" + p.to_string() + "\" is not in the signed manifest";
    }
  }
  if (installed.config && !signed_grants.config) return "grants.config: not in the signed manifest";
  if (installed.crypto && !signed_grants.crypto) return "grants.crypto: not in the signed manifest";
  // LogLevel runs from the most verbose (trace) to off.
  if (installed.log_level < signed_grants.log_level) {
    return "grants.log_level: " + std::string(to_string(installed.log_level)) +
           " is more verbose than the signed " + std::string(to_string(signed_grants.log_level));
  }
  if (installed.log_rate_per_sec > signed_grants.log_rate_per_sec) {
    return "grants.log_rate_per_sec: " + std::to_string(installed.log_rate_per_sec) +
           " is more than the signed " + std::to_string(signed_grants.log_rate_per_sec);
  }
  return std::nullopt;
}

}  // namespace hookd::config
