#include "cluster/version_records.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>

namespace hookd::server::cluster {
namespace json = boost::json;

namespace {

constexpr size_t kMaxRecords = 1000;  // keep_versions is at most 100

uint64_t parse_number(std::string_view text) {
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  return ec == std::errc() && end == text.data() + text.size() ? n : 0;
}

std::optional<std::pair<VersionInfo, std::string>> parse_record(uint64_t number, std::string_view text) {
  boost::system::error_code ec;
  const json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const json::object& o = v.as_object();
  auto str = [&](std::string_view k) -> const json::string* {
    const json::value* f = o.if_contains(k);
    return f != nullptr && f->is_string() ? &f->as_string() : nullptr;
  };
  auto num = [&](std::string_view k) -> std::optional<int64_t> {
    const json::value* f = o.if_contains(k);
    if (f == nullptr || !f->is_int64()) return std::nullopt;
    return f->as_int64();
  };
  const auto size = num("size"), created = num("created_ms");
  const json::string *sha = str("sha256"), *by = str("created_by"), *abi = str("abi"),
                     *settings = str("settings");
  if (!size || !created || *size < 0 || sha == nullptr || by == nullptr || abi == nullptr ||
      settings == nullptr)
    return std::nullopt;
  VersionInfo info{.number = number,
                   .sha256 = std::string(*sha),
                   .size = static_cast<uint64_t>(*size),
                   .created_ms = *created,
                   .created_by = std::string(*by),
                   .abi = std::string(*abi)};
  return std::pair{std::move(info), std::string(*settings)};
}

}  // namespace

std::string version_record_json(const VersionInfo& info, const std::string& settings_json) {
  return json::serialize(json::object{{"sha256", info.sha256},
                                      {"size", static_cast<int64_t>(info.size)},
                                      {"created_ms", info.created_ms},
                                      {"created_by", info.created_by},
                                      {"abi", info.abi},
                                      {"settings", settings_json}});
}

std::optional<ParsedHistory> parse_history(const std::vector<std::pair<std::string, std::string>>& fields) {
  if (fields.empty()) return std::nullopt;
  ParsedHistory out;
  uint64_t last = 0;
  for (const auto& [field, value] : fields) {
    if (field == "last") {
      last = parse_number(value);
    } else if (field == "serving") {
      out.history.serving = parse_number(value);
    } else if (field.starts_with("v:") && out.history.versions.size() < kMaxRecords) {
      const uint64_t n = parse_number(std::string_view(field).substr(2));
      if (n == 0) continue;
      auto record = parse_record(n, value);
      if (!record) continue;
      out.history.versions.push_back(std::move(record->first));
      out.settings_json[n] = std::move(record->second);
    }
  }
  std::ranges::sort(out.history.versions, {}, &VersionInfo::number);
  out.history.next = last + 1;
  return out;
}

}  // namespace hookd::server::cluster
