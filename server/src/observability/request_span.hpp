// The span of one HTTP request (the server span, the root of hookd's part
// of a trace), named and attributed as OpenTelemetry's HTTP server
// conventions say: "<method> <route>", http.request.method, url.path,
// url.scheme, server.address and server.port (from Host), client.address,
// network.protocol.version, http.route, http.response.status_code,
// user_agent.original, error.type for a 5xx; and hookd's own: the plugin,
// the function, its version when known, the request id.
#pragma once

#include <string_view>

#include "observability/tracer.hpp"

namespace hookd::server {

struct RequestSpanFields {
  std::string_view method;
  std::string_view path;  // without the query
  std::string_view host;  // the Host header
  std::string_view client;
  std::string_view user_agent;
  int http_version = 11;  // Beast's: 10, 11
  int status = 0;
  std::string_view plugin;  // empty: no plugin
  std::string_view fn;
  std::string_view request_id;
};

// Records the request's span; `trace` must be sampled.
void record_request_span(const RequestTrace& trace, const RequestSpanFields& f);

}  // namespace hookd::server
