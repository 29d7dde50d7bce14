#include "observability/plugin_latency.hpp"

#include <algorithm>

namespace hookd::server {
namespace json = boost::json;

SecondRing::Window plugin_window(const Metrics& metrics, std::string_view plugin, std::string_view fn,
                                 uint32_t now, uint32_t seconds) {
  SecondRing::Window w = make_window(now, seconds);
  metrics.visit_rings(
      [&](std::string_view p, std::string_view f, uint64_t /*version*/, const SecondRing& ring) {
        if (p == plugin && (fn.empty() || f == fn)) ring.add_to(w);
      });
  return w;
}

SecondRing::Window version_window(const Metrics& metrics, std::string_view plugin, uint64_t version,
                                  uint32_t now, uint32_t seconds) {
  SecondRing::Window w = make_window(now, seconds);
  metrics.visit_rings([&](std::string_view p, std::string_view, uint64_t v, const SecondRing& ring) {
    if (p == plugin && v == version) ring.add_to(w);
  });
  return w;
}

namespace {
void add(SecondRing::Second& into, const SecondRing::Second& s) {
  into.errors += s.errors;
  for (size_t i = 0; i < kSeriesBuckets; ++i) into.buckets[i] += s.buckets[i];
}
}  // namespace

PairTotals pair_totals(const Metrics& metrics, uint32_t now, uint32_t seconds) {
  PairTotals totals;
  SecondRing::Window scratch = make_window(now, seconds);
  metrics.visit_rings(
      [&](std::string_view p, std::string_view f, uint64_t /*version*/, const SecondRing& ring) {
        std::fill(scratch.seconds.begin(), scratch.seconds.end(), SecondRing::Second{});
        ring.add_to(scratch);
        SecondRing::Second& total = totals[{std::string(p), std::string(f)}];
        for (const auto& s : scratch.seconds) add(total, s);
      });
  return totals;
}

json::object window_summary(const SecondRing::Window& w) {
  SecondRing::Second total;
  for (const auto& s : w.seconds) add(total, s);
  return total_summary(total, w.seconds.size());
}

json::object total_summary(const SecondRing::Second& total, size_t seconds) {
  const auto q = [&](double p) {
    auto v = quantile_ms(total.buckets, p);
    return v ? json::value(*v) : json::value(nullptr);
  };
  return {{"window_seconds", seconds},
          {"requests", total.requests()},
          {"errors", total.errors},
          {"p50_ms", q(0.5)},
          {"p99_ms", q(0.99)}};
}

}  // namespace hookd::server
