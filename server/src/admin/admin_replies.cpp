#include "admin/admin_replies.hpp"

#include <boost/json/serialize.hpp>
#include <ctime>

#include "net/error_response.hpp"

namespace hookd::server {

std::string rfc3339(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

void send_json(HttpResponse& res, http::status status, const boost::json::value& v) {
  res.result(status);
  res.set(http::field::content_type, "application/json");
  res.body() = boost::json::serialize(v) + "\n";
}

http::status status_for_load_error(const engine::Error& error) {
  // A refused signature carries its status (plugin_signature.hpp).
  if (error.kind == engine::ErrorKind::kIntegrity && error.status != 0)
    return static_cast<http::status>(error.status);
  // The cluster catalog could not be written (Redis unreachable): 503.
  if (error.kind == engine::ErrorKind::kHostError && error.status != 0)
    return static_cast<http::status>(error.status);
  // A canary that cannot stand beside the stable version (plugin_manager.hpp).
  if (error.kind == engine::ErrorKind::kInvalidArgument && error.status == 409) return http::status::conflict;
  // A rollback's version was pruned while it loaded (plugin_catalog.hpp).
  if (error.kind == engine::ErrorKind::kNotFound && error.status == 404) return http::status::not_found;
  switch (error.kind) {
    case engine::ErrorKind::kInvalidArgument:
    case engine::ErrorKind::kIntegrity:
      return http::status::bad_request;
    case engine::ErrorKind::kInternal:
      return error.status == 501 ? http::status::not_implemented : http::status::internal_server_error;
    // Instantiation (start function, hookd_init) ran past the plugin's deadline.
    case engine::ErrorKind::kTimeout:
      return http::status::gateway_timeout;
    default:
      return http::status::unprocessable_entity;
  }
}

void set_pinned_error(HttpResponse& res, const config::PluginConfig& pinned, std::string_view what,
                      const std::string& request_id) {
  set_error(res, http::status::conflict,
            {"plugin " + pinned.name + " comes from the config file (" + pinned.path.string() +
                 "), which pins it: " + std::string(what) + ". Change its [plugins." + pinned.name +
                 "] entry and restart, or upload under another name",
             pinned.name,
             {},
             request_id});
}

}  // namespace hookd::server
