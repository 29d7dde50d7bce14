#include "admin/release_api.hpp"

#include <boost/json.hpp>
#include <memory>

#include "admin/admin_replies.hpp"
#include "net/error_response.hpp"
#include "releases/release_policy.hpp"

namespace hookd::server {
namespace json = boost::json;

namespace {

constexpr std::string_view kReleases = "releases";

void reply(HttpResponse& res, const ReleaseController::Reply& r, const std::string& name,
           const std::string& request_id) {
  const auto status = static_cast<http::status>(r.status);
  if (const auto* error = r.body.if_contains("error"); error != nullptr && error->is_string()) {
    set_error(res, status, {std::string(error->as_string()), name, {}, request_id});
    return;
  }
  send_json(res, status, r.body);
}

}  // namespace

bool ReleaseApi::is_route(std::string_view what) {
  return what == kReleases || what == "releases/pause" || what == "releases/resume" ||
         what == "releases/promote" || what == "releases/abort";
}

bool ReleaseApi::route(const std::string& name, std::string_view what, HttpRequest& req, HttpResponse& res,
                       const std::string& request_id, Done& done) {
  if (what == kReleases) {
    if (req.method() == http::verb::get) {
      reply(res, releases_.show(name), name, request_id);
      return false;
    }
    if (req.method() == http::verb::post) return begin(name, req, res, request_id, done);
    set_error(res, http::status::method_not_allowed, {"method not allowed", name, {}, request_id});
    res.set(http::field::allow, "GET, POST");
    return false;
  }
  if (req.method() != http::verb::post) {
    set_error(res, http::status::method_not_allowed, {"method not allowed", name, {}, request_id});
    res.set(http::field::allow, "POST");
    return false;
  }
  const std::string_view action = what.substr(kReleases.size() + 1);
  const ReleaseController::Action a = action == "pause"     ? ReleaseController::Action::kPause
                                      : action == "resume"  ? ReleaseController::Action::kResume
                                      : action == "promote" ? ReleaseController::Action::kPromote
                                                            : ReleaseController::Action::kAbort;
  reply(res, releases_.act(name, a), name, request_id);
  return false;
}

bool ReleaseApi::begin(const std::string& name, const HttpRequest& req, HttpResponse& res,
                       const std::string& request_id, Done& done) {
  ParsedPolicy parsed = parse_release_policy(req.body());
  if (!parsed.policy) {
    set_error(res, http::status::bad_request,
              {"invalid release: " + parsed.error + " (docs/releases.md describes a release's policy)",
               name,
               {},
               request_id});
    return false;
  }
  ReleasePolicy& policy = *parsed.policy;
  auto h = versions_.history(name, "it has no versions to release", res, request_id);
  if (!h) return false;
  const auto catalog = registry_.snapshot();
  const PluginEntry* stable = catalog->find(name);
  if (stable == nullptr || stable->upload_version == 0) {
    set_error(res, http::status::conflict,
              {"plugin " + name + " is not serving a kept version to release beside", name, {}, request_id});
    return false;
  }
  if (policy.version == stable->upload_version) {
    set_error(res, http::status::conflict,
              {"version " + std::to_string(policy.version) + " of plugin " + name +
                   " is the stable version: a canary must be another kept version",
               name,
               {},
               request_id});
    return false;
  }
  auto kept = versions_.kept_version(name, policy.version, *h, res, request_id);
  if (!kept) return false;
  auto canary = std::make_shared<StoredPlugin>(std::move(*kept));
  releases_.begin(name, stable->upload_version, std::move(policy), std::move(canary),
                  [&res, name, request_id, done = std::move(done)](const ReleaseController::Reply& r) {
                    reply(res, r, name, request_id);
                    done();
                  });
  return true;
}

}  // namespace hookd::server
