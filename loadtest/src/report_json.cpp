#include <boost/json.hpp>

#include "hookd/load/report.hpp"

namespace hookd::load {
namespace json = boost::json;

namespace {

json::object latency_json(const Histogram& h) {
  return json::object{{"count", h.count()},
                      {"min", h.min()},
                      {"mean", h.mean()},
                      {"p50", h.value_at_percentile(50)},
                      {"p90", h.value_at_percentile(90)},
                      {"p99", h.value_at_percentile(99)},
                      {"p99.9", h.value_at_percentile(99.9)},
                      {"max", h.max()},
                      {"significant_digits", h.significant_digits()},
                      {"relative_error", h.relative_error()}};
}

}  // namespace

std::string format_json(const Options& o, const RunResult& r) {
  const auto& s = r.total;
  json::object status;
  for (std::size_t code = 0; code < s.status.size(); ++code)
    if (s.status[code]) status[std::to_string(code)] = s.status[code];
  json::object errors;
  for (unsigned k = 0; k < kErrorKinds; ++k) errors[to_string(static_cast<ErrorKind>(k))] = s.errors[k];
  json::array timeline;
  for (const auto& t : r.timeline) {
    timeline.push_back(json::object{{"second", t.second},
                                    {"length_s", t.length_s},
                                    {"requests", t.requests},
                                    {"requests_per_s", static_cast<double>(t.requests) / t.length_s},
                                    {"responses", t.responses},
                                    {"errors", t.errors},
                                    {"bytes", t.bytes},
                                    {"p50_ns", t.p50_ns},
                                    {"p90_ns", t.p90_ns},
                                    {"p99_ns", t.p99_ns},
                                    {"max_ns", t.max_ns}});
  }
  json::object config{{"target", target_url(o)},
                      {"mode", o.rate > 0 ? "open" : "closed"},
                      {"rate", o.rate},
                      {"connections", o.connections},
                      {"threads", o.threads},
                      {"pipeline", o.pipeline},
                      {"timeout_s", std::chrono::duration<double>(o.timeout).count()},
                      {"warmup_s", std::chrono::duration<double>(o.warmup).count()}};
  if (o.duration) config["duration_s"] = std::chrono::duration<double>(*o.duration).count();
  if (o.requests) config["requests"] = *o.requests;
  json::object root{{"config", std::move(config)},
                    {"measured_s", std::chrono::duration<double>(r.measured).count()},
                    {"interrupted", r.interrupted},
                    {"requests", s.requests},
                    {"responses", s.responses},
                    {"requests_per_s", r.requests_per_second()},
                    {"bytes_received", s.bytes_received},
                    {"bytes_per_s", r.bytes_per_second()},
                    {"status", std::move(status)},
                    {"errors", std::move(errors)},
                    {"error_total", s.error_total()},
                    {"unsent", r.unsent},
                    {"in_flight_at_end", r.in_flight_at_end},
                    {"latency_ns", latency_json(s.latency)},
                    {"timeline", std::move(timeline)}};
  return json::serialize(root) + "\n";
}

}  // namespace hookd::load
