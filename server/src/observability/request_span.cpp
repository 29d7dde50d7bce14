#include "observability/request_span.hpp"

#include <algorithm>
#include <charconv>

namespace hookd::server {
namespace {

// Past this a header's text is cut in a span attribute.
constexpr std::size_t kMaxAttributeBytes = 256;

std::string_view bounded(std::string_view s) { return s.substr(0, kMaxAttributeBytes); }

struct HostPort {
  std::string_view address;
  int64_t port = 0;  // 0: not given
};

// "name", "name:port", "[v6]:port".
HostPort split_host(std::string_view host) {
  HostPort out{host};
  const auto close = host.rfind(']');
  const auto colon = host.rfind(':');
  if (colon != std::string_view::npos && (close == std::string_view::npos || colon > close)) {
    out.address = host.substr(0, colon);
    const std::string_view digits = host.substr(colon + 1);
    int64_t port = 0;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (ec == std::errc{} && ptr == digits.data() + digits.size() && port > 0 && port <= 65535)
      out.port = port;
  }
  if (out.address.size() >= 2 && out.address.front() == '[' && out.address.back() == ']')
    out.address = out.address.substr(1, out.address.size() - 2);
  return out;
}

}  // namespace

void record_request_span(const RequestTrace& trace, const RequestSpanFields& f) {
  const Tracer& tracer = *trace.tracer;
  Span span;
  span.trace_id = trace.ctx.trace_id;
  span.span_id = trace.ctx.span_id;
  span.parent_id = trace.parent;
  span.kind = SpanKind::kServer;
  span.start_unix_ns = trace.start_unix_ns;
  span.end_unix_ns = tracer.now_unix_ns();
  // The route: a route table's pattern, /plugins/{plugin}/{fn} for a
  // plugin call by name (low cardinality, unlike the path), none else.
  std::string route;
  if (!trace.route.empty()) {
    route = bounded(trace.route);
  } else if (!f.plugin.empty() && f.path.starts_with("/plugins/")) {
    route = "/plugins/{plugin}/{fn}";
  }
  span.name.reserve(f.method.size() + 1 + route.size());
  span.name.append(bounded(f.method));
  if (!route.empty()) span.name.append(" ").append(route);
  const HostPort host = split_host(bounded(f.host));
  span.set("http.request.method", bounded(f.method))
      .set("url.path", bounded(f.path))
      .set("url.scheme", std::string_view("http"))
      .set("network.protocol.version", std::string_view(f.http_version == 10 ? "1.0" : "1.1"))
      .set("http.response.status_code", static_cast<int64_t>(f.status))
      .set("client.address", f.client)
      .set("hookd.request_id", f.request_id);
  if (!host.address.empty()) span.set("server.address", host.address);
  if (host.port != 0) span.set("server.port", host.port);
  if (!route.empty()) span.set("http.route", std::string_view(route));
  if (!f.user_agent.empty()) span.set("user_agent.original", bounded(f.user_agent));
  if (!f.plugin.empty()) span.set("hookd.plugin", f.plugin);
  if (!f.fn.empty()) span.set("hookd.function", f.fn);
  if (trace.plugin_version != 0) span.set("hookd.plugin.version", static_cast<int64_t>(trace.plugin_version));
  // A server span is in error for a 5xx only (a 4xx is the client's).
  if (f.status >= 500) {
    span.error = true;
    span.set("error.type", std::string_view(std::to_string(f.status)));
  }
  tracer.record(std::move(span));
}

}  // namespace hookd::server
