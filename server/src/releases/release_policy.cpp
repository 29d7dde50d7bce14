#include "releases/release_policy.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>

namespace hookd::server {
namespace json = boost::json;

namespace {

std::optional<double> number(const json::value& v) {
  if (v.is_double()) return v.as_double();
  if (v.is_int64()) return static_cast<double>(v.as_int64());
  if (v.is_uint64()) return static_cast<double>(v.as_uint64());
  return std::nullopt;
}

// A whole number in [lo, hi], or an error naming `what`.
bool whole(const json::value& v, double lo, double hi, std::string_view what, uint64_t& out,
           std::string& error) {
  const auto n = number(v);
  if (!n || std::floor(*n) != *n || *n < lo || *n > hi) {
    error = std::string(what) + " must be a whole number from " + std::to_string(static_cast<uint64_t>(lo)) +
            " to " + std::to_string(static_cast<uint64_t>(hi));
    return false;
  }
  out = static_cast<uint64_t>(*n);
  return true;
}

bool fraction(const json::value& v, double lo, double hi, std::string_view what, double& out,
              std::string& error) {
  const auto n = number(v);
  if (!n || !std::isfinite(*n) || *n < lo || *n > hi) {
    error = std::string(what) + " must be a number from " + json::serialize(json::value(lo)) + " to " +
            json::serialize(json::value(hi));
    return false;
  }
  out = *n;
  return true;
}

bool known_keys(const json::object& o, std::initializer_list<std::string_view> keys, std::string_view where,
                std::string& error) {
  for (const auto& kv : o) {
    bool known = false;
    for (const auto k : keys) known = known || kv.key() == k;
    if (!known) {
      error = "unknown field \"" + std::string(kv.key().substr(0, 40)) + "\"" +
              (where.empty() ? std::string() : " in " + std::string(where));
      return false;
    }
  }
  return true;
}

bool parse_steps(const json::value& v, ReleasePolicy& p, std::string& error) {
  if (!v.is_array() || v.as_array().empty()) {
    error = "\"steps\" must be a non-empty array of {\"weight\": 0-100, \"seconds\": n}";
    return false;
  }
  const json::array& steps = v.as_array();
  if (steps.size() > kMaxReleaseSteps) {
    error = "\"steps\" has more than " + std::to_string(kMaxReleaseSteps) + " steps";
    return false;
  }
  for (size_t i = 0; i < steps.size(); ++i) {
    const std::string where = "steps[" + std::to_string(i) + "]";
    if (!steps[i].is_object()) {
      error = where + " is not an object";
      return false;
    }
    const json::object& s = steps[i].as_object();
    if (!known_keys(s, {"weight", "seconds"}, where, error)) return false;
    const json::value* weight = s.if_contains("weight");
    const json::value* seconds = s.if_contains("seconds");
    if (weight == nullptr || seconds == nullptr) {
      error = where + " needs \"weight\" (percent, 0 to 100) and \"seconds\"";
      return false;
    }
    double percent = 0;
    uint64_t secs = 0;
    if (!fraction(*weight, 0, 100, where + ".weight (percent)", percent, error)) return false;
    if (!whole(*seconds, 1, kMaxStepSeconds, where + ".seconds", secs, error)) return false;
    p.steps.push_back({static_cast<uint32_t>(std::lround(percent * 100)), static_cast<uint32_t>(secs)});
  }
  return true;
}

bool parse_thresholds(const json::value& v, ReleaseThresholds& t, std::string& error) {
  if (!v.is_object()) {
    error = "\"thresholds\" is not an object";
    return false;
  }
  const json::object& o = v.as_object();
  if (!known_keys(o, {"max_error_rate", "max_error_rate_above_stable", "max_p99_ratio", "min_requests"},
                  "thresholds", error)) {
    return false;
  }
  if (const auto* e = o.if_contains("max_error_rate");
      e != nullptr && !fraction(*e, 0, 1, "thresholds.max_error_rate", t.max_error_rate, error)) {
    return false;
  }
  if (const auto* e = o.if_contains("max_error_rate_above_stable")) {
    double d = 0;
    if (!fraction(*e, 0, 1, "thresholds.max_error_rate_above_stable", d, error)) return false;
    t.max_error_rate_above_stable = d;
  }
  if (const auto* r = o.if_contains("max_p99_ratio")) {
    double d = 0;
    if (!fraction(*r, 1, 1000, "thresholds.max_p99_ratio", d, error)) return false;
    t.max_p99_ratio = d;
  }
  if (const auto* m = o.if_contains("min_requests");
      m != nullptr && !whole(*m, 1, 1e9, "thresholds.min_requests", t.min_requests, error)) {
    return false;
  }
  return true;
}

bool parse_sticky(const json::value& v, StickyKey& sticky, std::string& error) {
  const std::string_view kShape =
      "\"sticky\" must be {\"header\": name}, {\"cookie\": name} or {\"client\": true}";
  if (!v.is_object() || v.as_object().size() != 1) {
    error = kShape;
    return false;
  }
  const auto& [key, value] = *v.as_object().begin();
  if (key == "client") {
    if (!value.is_bool() || !value.as_bool()) {
      error = kShape;
      return false;
    }
    sticky.kind = StickyKey::Kind::kClient;
    return true;
  }
  if (key != "header" && key != "cookie") {
    error = kShape;
    return false;
  }
  // A token (RFC 9110), as header and cookie names are.
  const bool token = value.is_string() && !value.as_string().empty() && value.as_string().size() <= 64 &&
                     std::all_of(value.as_string().begin(), value.as_string().end(), [](char c) {
                       return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                              std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
                     });
  if (!token) {
    error = "sticky." + std::string(key) + " must be a header or cookie name (1-64 token characters)";
    return false;
  }
  sticky.kind = key == "header" ? StickyKey::Kind::kHeader : StickyKey::Kind::kCookie;
  sticky.name = std::string(value.as_string());
  return true;
}

}  // namespace

double weight_percent(uint32_t basis_points) { return basis_points / 100.0; }

ParsedPolicy parse_release_policy(std::string_view body) {
  ParsedPolicy out;
  if (body.size() > kMaxReleaseBody) {
    out.error = "the body is larger than " + std::to_string(kMaxReleaseBody) + " bytes";
    return out;
  }
  boost::system::error_code ec;
  const json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) {
    out.error = "the body is not a JSON object";
    return out;
  }
  const json::object& o = v.as_object();
  if (!known_keys(o, {"version", "steps", "thresholds", "window_seconds", "sticky"}, {}, out.error))
    return out;
  ReleasePolicy p;
  const json::value* version = o.if_contains("version");
  if (version == nullptr) {
    out.error = "\"version\" (the kept version to release) is missing";
    return out;
  }
  if (!whole(*version, 1, 9e18, "\"version\"", p.version, out.error)) return out;
  const json::value* steps = o.if_contains("steps");
  if (steps == nullptr) {
    out.error = "\"steps\" is missing: a release needs at least one {\"weight\", \"seconds\"} step";
    return out;
  }
  if (!parse_steps(*steps, p, out.error)) return out;
  if (const auto* t = o.if_contains("thresholds");
      t != nullptr && !parse_thresholds(*t, p.thresholds, out.error))
    return out;
  if (const auto* w = o.if_contains("window_seconds")) {
    uint64_t secs = 0;
    if (!whole(*w, 1, kMaxWindowSeconds, "\"window_seconds\"", secs, out.error)) return out;
    p.window_seconds = static_cast<uint32_t>(secs);
  }
  if (const auto* s = o.if_contains("sticky"); s != nullptr && !parse_sticky(*s, p.sticky, out.error))
    return out;
  out.policy = std::move(p);
  return out;
}

}  // namespace hookd::server
