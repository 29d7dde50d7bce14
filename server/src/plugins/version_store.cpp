#include "plugins/version_store.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>

#include "hookd/engine/read_file.hpp"
#include "plugins/data_dir.hpp"

namespace hookd::server {
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

constexpr size_t kMaxIndexBytes = 1u << 20;
constexpr size_t kMaxIndexEntries = 1000;  // keep_versions is at most 100
constexpr std::string_view kIndex = "index.json";

std::string version_file(uint64_t number) { return std::to_string(number) + ".plugin"; }

// The number of a version file's name ("3.plugin"), or 0.
uint64_t number_of(const fs::path& file) {
  if (file.extension() != ".plugin") return 0;
  const std::string stem = file.stem().string();
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(stem.data(), stem.data() + stem.size(), n);
  return ec == std::errc() && end == stem.data() + stem.size() ? n : 0;
}

std::string index_json(const VersionHistory& h) {
  json::array versions;
  for (const VersionInfo& v : h.versions) {
    versions.push_back({{"number", v.number},
                        {"sha256", v.sha256},
                        {"size", v.size},
                        {"created_ms", v.created_ms},
                        {"created_by", v.created_by},
                        {"abi", v.abi}});
  }
  return json::serialize(json::object{{"next", h.next}, {"serving", h.serving}, {"versions", versions}});
}

std::optional<VersionHistory> parse_index(std::string_view text) {
  boost::system::error_code ec;
  const json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const json::object& o = v.as_object();
  const auto* next = o.if_contains("next");
  const auto* serving = o.if_contains("serving");
  const auto* versions = o.if_contains("versions");
  if (next == nullptr || (!next->is_uint64() && !next->is_int64())) return std::nullopt;
  if (serving == nullptr || (!serving->is_uint64() && !serving->is_int64())) return std::nullopt;
  if (versions == nullptr || !versions->is_array() || versions->as_array().size() > kMaxIndexEntries)
    return std::nullopt;
  VersionHistory h;
  boost::system::error_code num;
  h.next = next->to_number<uint64_t>(num);
  h.serving = serving->to_number<uint64_t>(num);
  if (num) return std::nullopt;
  for (const json::value& e : versions->as_array()) {
    if (!e.is_object()) return std::nullopt;
    const json::object& eo = e.as_object();
    VersionInfo info;
    try {
      info.number = eo.at("number").to_number<uint64_t>();
      info.sha256 = std::string(eo.at("sha256").as_string());
      info.size = eo.at("size").to_number<uint64_t>();
      info.created_ms = eo.at("created_ms").to_number<int64_t>();
      info.created_by = std::string(eo.at("created_by").as_string());
      info.abi = std::string(eo.at("abi").as_string());
    } catch (const std::exception&) {
      return std::nullopt;  // a field missing or of the wrong type
    }
    if (info.number == 0 || info.number >= h.next) return std::nullopt;
    h.versions.push_back(std::move(info));
  }
  return h;
}

}  // namespace

const VersionInfo* VersionHistory::find(uint64_t number) const {
  for (const VersionInfo& v : versions) {
    if (v.number == number) return &v;
  }
  return nullptr;
}

ServerResult<std::optional<VersionHistory>> VersionStore::read_index(const std::string& name) const {
  const fs::path path = dir_for(name) / kIndex;
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::nullopt;
  auto bytes = engine::read_file(path, kMaxIndexBytes);
  if (!bytes) return server_fail(ServerErrorKind::kStorage, bytes.error().message);
  auto h = parse_index(std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size()));
  if (!h) return server_fail(ServerErrorKind::kStorage, path.string() + ": not a version index");
  return h;
}

ServerResult<void> VersionStore::write_index(const std::string& name, const VersionHistory& h) {
  const std::string text = index_json(h);
  return write_file_durably(dir_for(name) / kIndex,
                            {reinterpret_cast<const uint8_t*>(text.data()), text.size()}, 0600, files_);
}

ServerResult<std::optional<std::vector<uint8_t>>> VersionStore::read_version(const std::string& name,
                                                                             uint64_t number) const {
  const fs::path path = dir_for(name) / version_file(number);
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::nullopt;
  auto bytes = engine::read_file(path);
  if (!bytes) return server_fail(ServerErrorKind::kStorage, bytes.error().message);
  return std::move(*bytes);
}

void VersionStore::remove_unlisted(const std::string& name, const VersionHistory& h) {
  std::error_code ec;
  std::vector<fs::path> stale;
  for (const auto& file : fs::directory_iterator(dir_for(name), ec)) {
    const uint64_t n = number_of(file.path());
    if (n != 0 && h.find(n) == nullptr) stale.push_back(file.path());
  }
  for (const auto& p : stale) fs::remove(p, ec);
}

ServerResult<std::optional<VersionHistory>> VersionStore::history(const std::string& name) const {
  std::lock_guard lock(mu_);
  return read_index(name);
}

ServerResult<VersionInfo> VersionStore::add(const std::string& name, std::span<const uint8_t> wasm,
                                            const config::PluginSettings& settings, VersionInfo info,
                                            bool serve) {
  std::lock_guard lock(mu_);
  auto current = read_index(name);
  if (!current) return std::unexpected(current.error());
  VersionHistory h = current->value_or(VersionHistory{});
  info.number = h.next;
  // Private like its parent, each made so (not by create_directories) from
  // the top; write_file_durably makes the plugin's own.
  for (const auto& d : {dir_.parent_path(), dir_}) {
    if (auto r = ensure_private_dir(d); !r) return std::unexpected(r.error());
  }
  const std::vector<uint8_t> bytes = encode_plugin_file(wasm, settings);
  if (auto r = write_file_durably(dir_for(name) / version_file(info.number), bytes, 0600, files_); !r)
    return std::unexpected(r.error());
  h.next = info.number + 1;
  if (serve) h.serving = info.number;
  h.versions.push_back(info);
  // Oldest first; never the serving one, nor the new one.
  while (h.versions.size() > keep_) {
    auto oldest = std::ranges::find_if(
        h.versions, [&](const VersionInfo& v) { return v.number != h.serving && v.number != info.number; });
    if (oldest == h.versions.end()) break;
    h.versions.erase(oldest);
  }
  if (auto r = write_index(name, h); !r) {
    std::error_code ec;
    fs::remove(dir_for(name) / version_file(info.number), ec);
    return std::unexpected(r.error());
  }
  remove_unlisted(name, h);  // the pruned ones
  return info;
}

ServerResult<bool> VersionStore::set_serving(const std::string& name, uint64_t number) {
  std::lock_guard lock(mu_);
  auto current = read_index(name);
  if (!current) return std::unexpected(current.error());
  if (!*current || (*current)->find(number) == nullptr) return false;
  VersionHistory h = std::move(**current);
  h.serving = number;
  if (auto r = write_index(name, h); !r) return std::unexpected(r.error());
  return true;
}

ServerResult<std::optional<StoredPlugin>> VersionStore::load(const std::string& name, uint64_t number) const {
  std::lock_guard lock(mu_);
  auto current = read_index(name);
  if (!current) return std::unexpected(current.error());
  if (!*current || (*current)->find(number) == nullptr) return std::nullopt;
  auto bytes = read_version(name, number);
  if (!bytes) return std::unexpected(bytes.error());
  const fs::path path = dir_for(name) / version_file(number);
  if (!*bytes) return server_fail(ServerErrorKind::kStorage, path.string() + " is missing");
  auto plugin = decode_plugin_file(path, name, std::move(**bytes));
  if (!plugin) return server_fail(ServerErrorKind::kStorage, plugin.error().message);
  return std::move(*plugin);
}

ServerResult<void> VersionStore::remove(const std::string& name) {
  std::lock_guard lock(mu_);
  std::error_code ec;
  fs::remove_all(dir_for(name), ec);
  if (ec)
    return server_fail(ServerErrorKind::kStorage,
                       "cannot remove " + dir_for(name).string() + ": " + ec.message());
  return {};
}

uint64_t VersionStore::match_serving(const StoredPlugin& serving) {
  std::lock_guard lock(mu_);
  auto current = read_index(serving.name);
  if (!current || !*current) return 0;
  VersionHistory h = std::move(**current);
  const std::vector<uint8_t> wanted = encode_plugin_file(serving.wasm, serving.settings);
  auto matches = [&](uint64_t number) {
    auto bytes = read_version(serving.name, number);
    return bytes && *bytes && **bytes == wanted;
  };
  uint64_t found = 0;
  if (h.serving != 0 && h.find(h.serving) != nullptr && matches(h.serving)) {
    found = h.serving;
  } else {
    for (auto it = h.versions.rbegin(); it != h.versions.rend() && found == 0; ++it) {
      if (matches(it->number)) found = it->number;
    }
  }
  if (found != h.serving) {
    h.serving = found;
    if (auto w = write_index(serving.name, h); !w) {
      // The serving copy stays the truth: the next start corrects the index again.
      spdlog::warn("plugin {}: versions index not corrected: {}", serving.name, w.error().describe());
    }
  }
  remove_unlisted(serving.name, h);
  return found;
}

}  // namespace hookd::server
