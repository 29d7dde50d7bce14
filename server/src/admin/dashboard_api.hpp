// The admin routes the dashboard needs beyond plugin management (all behind
// the admin token, like every admin route; docs/admin-api.yaml):
//   GET  /admin/timeseries             per (plugin, fn) totals over a window
//   GET  /admin/timeseries?plugin=P[&fn=F][&seconds=N]
//                                      per-second requests, errors, p50/p99
//   GET  /admin/logs[?level=L&plugin=P&kind=log|error&after=SEQ&limit=N]
//   POST /admin/call/<plugin>/<fn>     runs a call, answers status, headers,
//                                      body and duration as JSON
// Every query parameter is checked (unknown names and out-of-range values
// are a 400) and a call's body is bounded by limits.max_body_bytes (413).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "calls/call_dispatcher.hpp"
#include "calls/io_worker.hpp"
#include "net/http_types.hpp"
#include "observability/event_log.hpp"
#include "observability/exchange_recorder.hpp"
#include "observability/metrics.hpp"

namespace hookd::server {

class DashboardApi {
 public:
  /// `workers`: the gateway's threads; Try-it calls run on its I/O workers,
  /// through `calls`, recorded by `recorder`, with bodies up to
  /// `max_body_bytes` (limits.max_body_bytes).
  DashboardApi(const Metrics& metrics, const EventLog& events, CallDispatcher& calls,
               ExchangeRecorder& recorder, uint64_t max_body_bytes, const std::vector<IoWorker*>& workers);

  using Done = std::function<void()>;
  enum class Handled { kNo, kNow, kLater };
  /// kNo: not a dashboard route. kNow: `res` holds the answer. kLater: `done`
  /// was taken and runs (on a worker thread) once `res` holds it.
  Handled route(std::string_view path, HttpRequest& req, HttpResponse& res, const std::string& request_id,
                Done& done);

 private:
  void timeseries(const HttpRequest& req, HttpResponse& res, const std::string& request_id);
  void logs(const HttpRequest& req, HttpResponse& res, const std::string& request_id);
  Handled call(std::string_view path, HttpRequest& req, HttpResponse& res, const std::string& request_id,
               Done& done);

  const Metrics& metrics_;
  const EventLog& events_;
  CallDispatcher& calls_;
  ExchangeRecorder& recorder_;
  uint64_t max_body_bytes_;
  std::vector<IoWorker*> io_workers_;  // those that run calls inline (no lane threads)
  size_t next_worker_ = 0;             // admin thread only
};

}  // namespace hookd::server
