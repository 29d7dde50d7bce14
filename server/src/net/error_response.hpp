// Every error the gateway returns is a JSON object with the same fields, so
// clients and proxies can parse failures uniformly.
#pragma once

#include <string_view>

#include "net/http_types.hpp"

namespace hookd::server {

struct ErrorInfo {
  std::string_view message;
  std::string_view plugin;
  std::string_view fn;
  std::string_view request_id;
};

void set_error(HttpResponse& res, http::status status, const ErrorInfo& info);
// The same JSON, for WebSocket error messages.
std::string error_json(const ErrorInfo& info);

}  // namespace hookd::server
