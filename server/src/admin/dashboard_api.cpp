#include "admin/dashboard_api.hpp"

#include <boost/json.hpp>
#include <utility>

#include "admin/query_params.hpp"
#include "calls/try_call.hpp"
#include "net/error_response.hpp"
#include "net/request_handler.hpp"
#include "observability/plugin_latency.hpp"
#include "plugins/plugin_manager.hpp"

namespace hookd::server {
namespace json = boost::json;
namespace {

void send_json(HttpResponse& res, const json::value& v) {
  res.result(http::status::ok);
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.body() = json::serialize(v) + "\n";
}

void bad_request(HttpResponse& res, std::string_view message, const std::string& request_id) {
  set_error(res, http::status::bad_request, {message, {}, {}, request_id});
}

bool only(const HttpRequest& req, http::verb verb, HttpResponse& res, const std::string& request_id) {
  if (req.method() == verb) return true;
  set_error(res, http::status::method_not_allowed, {"method not allowed", {}, {}, request_id});
  res.set(http::field::allow, std::string(http::to_string(verb)));
  return false;
}

json::value ms_or_null(std::optional<double> v) { return v ? json::value(*v) : json::value(nullptr); }

}  // namespace

DashboardApi::DashboardApi(const Metrics& metrics, const EventLog& events, CallDispatcher& calls,
                           ExchangeRecorder& recorder, uint64_t max_body_bytes,
                           const std::vector<IoWorker*>& workers)
    : metrics_(metrics),
      events_(events),
      calls_(calls),
      recorder_(recorder),
      max_body_bytes_(max_body_bytes) {
  for (IoWorker* w : workers) {
    if (!w->blocking_lane()) io_workers_.push_back(w);
  }
}

DashboardApi::Handled DashboardApi::route(std::string_view path, HttpRequest& req, HttpResponse& res,
                                          const std::string& request_id, Done& done) {
  if (path == "/admin/timeseries") {
    if (only(req, http::verb::get, res, request_id)) timeseries(req, res, request_id);
    return Handled::kNow;
  }
  if (path == "/admin/logs") {
    if (only(req, http::verb::get, res, request_id)) logs(req, res, request_id);
    return Handled::kNow;
  }
  if (path.starts_with("/admin/call/")) {
    if (!only(req, http::verb::post, res, request_id)) return Handled::kNow;
    return call(path, req, res, request_id, done);
  }
  return Handled::kNo;
}

void DashboardApi::timeseries(const HttpRequest& req, HttpResponse& res, const std::string& request_id) {
  auto q = QueryParams::parse(req.target());
  if (!q) return bad_request(res, q.error().message, request_id);
  if (auto u = q->unknown({"plugin", "fn", "seconds"}))
    return bad_request(res, "unknown query parameter " + std::string(*u).substr(0, 64), request_id);
  uint32_t seconds = SecondRing::kSlots;
  if (auto s = q->get("seconds")) {
    auto v = parse_bounded(*s, 1, SecondRing::kSlots);
    if (!v) return bad_request(res, "seconds must be an integer from 1 to 900", request_id);
    seconds = static_cast<uint32_t>(*v);
  }
  const std::string_view plugin = q->get("plugin").value_or("");
  const std::string_view fn = q->get("fn").value_or("");
  if (!plugin.empty() && !valid_plugin_name(plugin))
    return bad_request(res, "invalid plugin name (1-64 characters of A-Z a-z 0-9 _ -)", request_id);
  if (fn.size() > 256) return bad_request(res, "fn longer than 256 bytes", request_id);
  if (plugin.empty() && !fn.empty()) return bad_request(res, "fn needs plugin", request_id);
  const uint32_t now = unix_second_now();

  if (plugin.empty()) {
    // Totals per (plugin, fn) over the window, for the plugins table.
    const PairTotals totals = pair_totals(metrics_, now, seconds);
    json::array series;
    for (const auto& [key, total] : totals) {
      json::object o = total_summary(total, seconds);
      o["plugin"] = key.first;
      o["fn"] = key.second;
      series.push_back(std::move(o));
    }
    return send_json(res,
                     json::object{{"now", now}, {"window_seconds", seconds}, {"series", std::move(series)}});
  }

  const SecondRing::Window w = plugin_window(metrics_, plugin, fn, now, seconds);
  json::array t, requests, errors, p50, p99;
  for (size_t i = 0; i < w.seconds.size(); ++i) {
    const auto& s = w.seconds[i];
    t.push_back(now - (w.seconds.size() - 1) + i);
    requests.push_back(s.requests());
    errors.push_back(s.errors);
    p50.push_back(ms_or_null(quantile_ms(s.buckets, 0.5)));
    p99.push_back(ms_or_null(quantile_ms(s.buckets, 0.99)));
  }
  send_json(res, json::object{{"now", now},
                              {"window_seconds", seconds},
                              {"plugin", plugin},
                              {"fn", fn.empty() ? json::value(nullptr) : json::value(fn)},
                              {"t", std::move(t)},
                              {"requests", std::move(requests)},
                              {"errors", std::move(errors)},
                              {"p50_ms", std::move(p50)},
                              {"p99_ms", std::move(p99)},
                              {"total", window_summary(w)}});
}

void DashboardApi::logs(const HttpRequest& req, HttpResponse& res, const std::string& request_id) {
  auto q = QueryParams::parse(req.target());
  if (!q) return bad_request(res, q.error().message, request_id);
  if (auto u = q->unknown({"level", "plugin", "kind", "after", "limit"}))
    return bad_request(res, "unknown query parameter " + std::string(*u).substr(0, 64), request_id);
  EventFilter f;
  if (auto level = q->get("level"); level && !level->empty()) {
    f.min_level = event_level_from(*level);
    if (!f.min_level) return bad_request(res, "level must be trace, debug, info, warn or error", request_id);
  }
  if (auto plugin = q->get("plugin"); plugin && !plugin->empty()) {
    if (!valid_plugin_name(*plugin))
      return bad_request(res, "invalid plugin name (1-64 characters of A-Z a-z 0-9 _ -)", request_id);
    f.plugin = std::string(*plugin);
  }
  if (auto kind = q->get("kind"); kind && !kind->empty()) {
    if (*kind != "log" && *kind != "error") return bad_request(res, "kind must be log or error", request_id);
    f.kind = std::string(*kind);
  }
  if (auto after = q->get("after")) {
    auto v = parse_bounded(*after, 0, UINT64_MAX);
    if (!v) return bad_request(res, "after must be a non-negative integer", request_id);
    f.after_seq = *v;
  }
  f.limit = EventLog::kCapacity;
  if (auto limit = q->get("limit")) {
    auto v = parse_bounded(*limit, 1, EventLog::kCapacity);
    if (!v) return bad_request(res, "limit must be an integer from 1 to 500", request_id);
    f.limit = *v;
  }
  json::array events;
  for (const Event& e : events_.query(f)) {
    events.push_back({{"seq", e.seq},
                      {"time_ms", e.time_ms},
                      {"level", event_level_name(e.level)},
                      {"kind", e.kind},
                      {"plugin", e.plugin},
                      {"fn", e.fn.empty() ? json::value(nullptr) : json::value(e.fn)},
                      {"request_id", e.request_id.empty() ? json::value(nullptr) : json::value(e.request_id)},
                      {"status", e.status == 0 ? json::value(nullptr) : json::value(e.status)},
                      {"message", e.message}});
  }
  send_json(res, json::object{{"last_seq", events_.last_seq()},
                              {"capacity", EventLog::kCapacity},
                              {"events", std::move(events)}});
}

DashboardApi::Handled DashboardApi::call(std::string_view path, HttpRequest& req, HttpResponse& res,
                                         const std::string& request_id, Done& done) {
  std::string_view rest = path.substr(std::string_view("/admin/call/").size());
  const size_t slash = rest.find('/');
  const std::string_view plugin = rest.substr(0, slash);
  const std::string_view fn = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
  if (!valid_plugin_name(plugin)) {
    bad_request(res, "invalid plugin name (1-64 characters of A-Z a-z 0-9 _ -)", request_id);
    return Handled::kNow;
  }
  if (fn.empty() || fn.size() > 256 || fn.find('/') != std::string_view::npos) {
    bad_request(res, "expected /admin/call/<plugin>/<fn>", request_id);
    return Handled::kNow;
  }
  if (req.body().size() > max_body_bytes_) {
    set_error(res, http::status::payload_too_large,
              {"request body larger than limits.max_body_bytes", plugin, fn, request_id});
    return Handled::kNow;
  }
  if (io_workers_.empty()) {
    set_error(res, http::status::service_unavailable, {"no worker to run the call", plugin, fn, request_id});
    return Handled::kNow;
  }
  IoWorker& worker = *io_workers_[next_worker_++ % io_workers_.size()];
  TryCallInput in{std::string(plugin),
                  std::string(fn),
                  std::move(req.body()),
                  std::string(req[http::field::content_type]),
                  request_id,
                  wanted_encoding(req)};
  start_try_call(calls_, recorder_, worker, std::move(in),
                 [&res, done = std::move(done)](http::status status, std::string body) {
                   res.result(status);
                   res.set(http::field::content_type, "application/json");
                   res.set(http::field::cache_control, "no-store");
                   res.body() = std::move(body);
                   done();
                 });
  return Handled::kLater;
}

}  // namespace hookd::server
