#include "plugin_latency.hpp"

namespace hookd::server {
namespace json = boost::json;

SecondRing::Window plugin_window(const Metrics& metrics, std::string_view plugin, std::string_view fn,
                                 uint32_t now, uint32_t seconds) {
  SecondRing::Window w = make_window(now, seconds);
  metrics.visit_rings([&](std::string_view p, std::string_view f, const SecondRing& ring) {
    if (p == plugin && (fn.empty() || f == fn)) ring.add_to(w);
  });
  return w;
}

json::object window_summary(const SecondRing::Window& w) {
  SecondRing::Second total;
  for (const auto& s : w.seconds) {
    total.errors += s.errors;
    for (size_t i = 0; i < kSeriesBuckets; ++i) total.buckets[i] += s.buckets[i];
  }
  const auto q = [&](double p) {
    auto v = quantile_ms(total.buckets, p);
    return v ? json::value(*v) : json::value(nullptr);
  };
  return {{"window_seconds", w.seconds.size()},
          {"requests", total.requests()},
          {"errors", total.errors},
          {"p50_ms", q(0.5)},
          {"p99_ms", q(0.99)}};
}

}  // namespace hookd::server
