#include <fmt/format.h>

#include <fstream>

#include "hookd/load/report.hpp"

namespace hookd::load {
namespace {

std::string format_bytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (bytes >= 1024 && u < 4) {
    bytes /= 1024;
    ++u;
  }
  return u == 0 ? fmt::format("{:.0f} B", bytes) : fmt::format("{:.2f} {}", bytes, units[u]);
}

}  // namespace

std::string target_url(const Options& o) {
  const bool ipv6 = o.host.find(':') != std::string::npos;
  return fmt::format("{}://{}:{}{}", o.protocol == Protocol::websocket ? "ws" : "http",
                     ipv6 ? "[" + o.host + "]" : o.host, o.port, o.ws_path);
}

std::string format_latency(std::uint64_t ns) {
  if (ns < 1'000) return fmt::format("{}ns", ns);
  if (ns < 1'000'000) return fmt::format("{:.1f}us", ns / 1e3);
  if (ns < 1'000'000'000) return fmt::format("{:.2f}ms", ns / 1e6);
  return fmt::format("{:.3f}s", ns / 1e9);
}

std::string format_table(const Options& o, const RunResult& r) {
  const auto& s = r.total;
  const auto& h = s.latency;
  std::string out;
  auto line = [&out](std::string text) { out += text + '\n'; };
  const std::string mode =
      o.rate > 0 ? fmt::format("open loop at {:g} req/s", o.rate) : std::string("closed loop");
  line(fmt::format("hookd-load {}  {}, {} connection(s), {} thread(s), pipeline {}", target_url(o), mode,
                   o.connections, o.threads, o.pipeline));
  line(fmt::format("measured {:.2f}s{}{}", std::chrono::duration<double>(r.measured).count(),
                   o.warmup.count()
                       ? fmt::format(" after {:.2f}s warmup", std::chrono::duration<double>(o.warmup).count())
                       : "",
                   r.interrupted ? " (interrupted)" : ""));
  line("");
  line(fmt::format("  requests   {:>12}  {:>12.1f}/s", s.requests, r.requests_per_second()));
  line(fmt::format("  responses  {:>12}", s.responses));
  line(fmt::format("  received   {:>12}  {:>12}/s", format_bytes(static_cast<double>(s.bytes_received)),
                   format_bytes(r.bytes_per_second())));
  line("");
  line(fmt::format("  latency    {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}", "p50", "p90", "p99", "p99.9", "max",
                   "mean"));
  line(fmt::format("             {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
                   format_latency(h.value_at_percentile(50)), format_latency(h.value_at_percentile(90)),
                   format_latency(h.value_at_percentile(99)), format_latency(h.value_at_percentile(99.9)),
                   format_latency(h.max()), format_latency(static_cast<std::uint64_t>(h.mean()))));
  if (o.rate > 0) line("             (open loop: from each request's intended send time)");
  std::string status;
  for (std::size_t code = 0; code < s.status.size(); ++code)
    if (s.status[code]) status += fmt::format("  {}: {}", code, s.status[code]);
  if (!status.empty()) line("  status   " + status);
  std::string errors;
  for (unsigned k = 0; k < kErrorKinds; ++k)
    errors += fmt::format("  {} {}", to_string(static_cast<ErrorKind>(k)), s.errors[k]);
  line(fmt::format("  errors     {}  ({}){}", s.error_total(), errors.substr(2), ""));
  if (r.unsent)
    line(fmt::format("  unsent     {}  (due before the end, never sent: the target fell behind the rate)",
                     r.unsent));
  if (r.in_flight_at_end)
    line(fmt::format("  in flight  {}  (unanswered at the end, not counted)", r.in_flight_at_end));
  if (h.saturated()) line(fmt::format("  note: {} latencies over 1h were recorded as 1h", h.saturated()));
  return out;
}

std::string format_progress(const Sample& sample, const Stats& cumulative) {
  return fmt::format("[{:>4}s] {:>10.0f} req/s  errors {:<8} p99 {:>9} (1s) {:>9} (all)", sample.second + 1,
                     static_cast<double>(sample.requests) / sample.length_s, cumulative.error_total(),
                     format_latency(sample.p99_ns),
                     format_latency(cumulative.latency.value_at_percentile(99)));
}

std::expected<void, std::string> write_file(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return std::unexpected("cannot write '" + path + "'");
  out << contents;
  out.close();
  if (!out) return std::unexpected("cannot write '" + path + "'");
  return {};
}

}  // namespace hookd::load
