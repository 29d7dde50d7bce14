#include "net/error_response.hpp"

#include <boost/json.hpp>

namespace hookd::server {

std::string error_json(const ErrorInfo& info) {
  boost::json::object o;
  o["error"] = info.message;
  o["plugin"] = info.plugin.empty() ? boost::json::value(nullptr) : boost::json::value(info.plugin);
  o["fn"] = info.fn.empty() ? boost::json::value(nullptr) : boost::json::value(info.fn);
  o["request_id"] = info.request_id;
  return boost::json::serialize(o);
}

void set_error(HttpResponse& res, http::status status, const ErrorInfo& info) {
  res.result(status);
  res.set(http::field::content_type, "application/json");
  res.body() = error_json(info);
  res.body() += '\n';
}

}  // namespace hookd::server
