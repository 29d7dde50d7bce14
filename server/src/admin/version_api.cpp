#include "admin/version_api.hpp"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <charconv>
#include <memory>

#include "admin/admin_replies.hpp"
#include "net/error_response.hpp"

namespace hookd::server {
namespace json = boost::json;

namespace {

constexpr size_t kMaxRollbackBody = 1024;  // {"version": n}

void method_not_allowed(HttpResponse& res, std::string_view allow, const std::string& name,
                        const std::string& request_id) {
  set_error(res, http::status::method_not_allowed, {"method not allowed", name, {}, request_id});
  res.set(http::field::allow, allow);
}

std::string kept_list(const VersionHistory& h) {
  std::string out;
  for (const VersionInfo& v : h.versions) out += (out.empty() ? "" : ", ") + std::to_string(v.number);
  return out.empty() ? "none" : out;
}

void version_not_kept(HttpResponse& res, const std::string& name, uint64_t number, const VersionHistory& h,
                      const std::string& request_id) {
  const std::string why =
      number < h.next ? "is no longer kept (pruned: server.keep_versions)" : "does not exist";
  set_error(
      res, http::status::not_found,
      {"version " + std::to_string(number) + " of plugin " + name + " " + why + "; kept: " + kept_list(h),
       name,
       {},
       request_id});
}

// A catalog that could not answer: 501 (no versions here), 503 (its store
// is away), else 500.
void set_catalog_error(HttpResponse& res, const engine::Error& error, const std::string& name,
                       const std::string& request_id) {
  const int status = error.status;
  set_error(res,
            status == 501   ? http::status::not_implemented
            : status == 503 ? http::status::service_unavailable
                            : http::status::internal_server_error,
            {error.message, name, {}, request_id});
}

json::object version_json(const VersionInfo& v, uint64_t serving) {
  const std::chrono::system_clock::time_point created{std::chrono::milliseconds(v.created_ms)};
  return {{"number", v.number},
          {"sha256", v.sha256},
          {"size", v.size},
          {"created", rfc3339(created)},
          {"created_by", v.created_by.empty() ? json::value(nullptr) : json::value(v.created_by)},
          {"abi", v.abi},
          {"serving", v.number == serving}};
}

}  // namespace

std::optional<uint64_t> parse_version_number(std::string_view text) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || n == 0) return std::nullopt;
  return n;
}

bool VersionApi::is_route(std::string_view what) {
  return what == "versions" || what == "rollback" ||
         (what.starts_with("versions/") && what.ends_with("/module"));
}

bool VersionApi::route(const std::string& name, std::string_view what, HttpRequest& req, HttpResponse& res,
                       const std::string& request_id, Done& done) {
  constexpr std::string_view kVersions = "versions", kModule = "/module";
  if (what == kVersions) {
    if (req.method() != http::verb::get) {
      method_not_allowed(res, "GET", name, request_id);
    } else {
      list(name, res, request_id);
    }
    return false;
  }
  if (what.starts_with("versions/") && what.ends_with(kModule)) {
    if (req.method() != http::verb::get) {
      method_not_allowed(res, "GET", name, request_id);
    } else {
      const std::string_view number = what.substr(kVersions.size() + 1);
      module(name, number.substr(0, number.size() - kModule.size()), res, request_id);
    }
    return false;
  }
  if (what == "rollback") {
    if (req.method() != http::verb::post) {
      method_not_allowed(res, "POST", name, request_id);
      return false;
    }
    return rollback(name, req, res, request_id, done);
  }
  set_error(res, http::status::not_found, {"no such admin route", name, {}, request_id});  // not is_route()
  return false;
}

std::optional<VersionHistory> VersionApi::history(const std::string& name, std::string_view change,
                                                  HttpResponse& res, const std::string& request_id) {
  if (const config::PluginConfig* pinned = config_plugin(parts_.pinned, name)) {
    set_pinned_error(res, *pinned, change, request_id);
    return std::nullopt;
  }
  auto h = parts_.catalog.versions(name);
  if (!h) {
    set_catalog_error(res, h.error(), name, request_id);
    return std::nullopt;
  }
  if (!*h) {
    const bool loaded = parts_.registry.snapshot()->find(name) != nullptr;
    set_error(res, http::status::not_found,
              {loaded ? "plugin " + name + " is not an upload (an example plugin): it has no versions"
                      : std::string("unknown plugin"),
               name,
               {},
               request_id});
    return std::nullopt;
  }
  return std::move(*h);
}

void VersionApi::list(const std::string& name, HttpResponse& res, const std::string& request_id) {
  auto h = history(name, "it has no uploaded versions", res, request_id);
  if (!h) return;
  json::array versions;
  for (const VersionInfo& v : h->versions) versions.push_back(version_json(v, h->serving));
  send_json(res, http::status::ok,
            json::object{{"name", name},
                         {"serving", h->serving == 0 ? json::value(nullptr) : json::value(h->serving)},
                         {"next", h->next},
                         {"versions", std::move(versions)}});
}

void VersionApi::module(const std::string& name, std::string_view number_text, HttpResponse& res,
                        const std::string& request_id) {
  const auto number = parse_version_number(number_text);
  if (!number) {
    set_error(
        res, http::status::bad_request,
        {"invalid version \"" + std::string(number_text.substr(0, 40)) +
             "\": a version is a positive integer (GET /admin/plugins/" + name + "/versions lists them)",
         name,
         {},
         request_id});
    return;
  }
  auto h = history(name, "it has no uploaded versions", res, request_id);
  if (!h) return;
  auto kept = parts_.catalog.version(name, *number);
  if (!kept) return set_catalog_error(res, kept.error(), name, request_id);
  if (!*kept) return version_not_kept(res, name, *number, *h, request_id);
  res.result(http::status::ok);
  res.set(http::field::content_type, "application/wasm");
  res.body().assign(reinterpret_cast<const char*>((*kept)->wasm.data()), (*kept)->wasm.size());
}

std::optional<StoredPlugin> VersionApi::kept_version(const std::string& name, uint64_t number,
                                                     const VersionHistory& h, HttpResponse& res,
                                                     const std::string& request_id) {
  if (h.find(number) == nullptr) {
    version_not_kept(res, name, number, h, request_id);
    return std::nullopt;
  }
  auto kept = parts_.catalog.version(name, number);
  if (!kept) {
    set_catalog_error(res, kept.error(), name, request_id);
    return std::nullopt;
  }
  if (!*kept) {
    version_not_kept(res, name, number, h, request_id);
    return std::nullopt;
  }
  return std::move(*kept);
}

bool VersionApi::rollback(const std::string& name, const HttpRequest& req, HttpResponse& res,
                          const std::string& request_id, Done& done) {
  auto bad = [&](const std::string& why) {
    set_error(res, http::status::bad_request,
              {"invalid rollback: " + why + "; send {\"version\": <n>} (GET /admin/plugins/" + name +
                   "/versions lists them)",
               name,
               {},
               request_id});
    return false;
  };
  if (req.body().size() > kMaxRollbackBody) return bad("the body is larger than 1024 bytes");
  boost::system::error_code ec;
  const json::value body = json::parse(req.body(), ec);
  if (ec || !body.is_object()) return bad("the body is not a JSON object");
  const json::value* version = body.as_object().if_contains("version");
  if (version == nullptr) return bad("\"version\" is missing");
  if (!version->is_uint64() && !version->is_int64()) return bad("\"version\" is not an integer");
  const auto number = parse_version_number(version->is_int64() ? std::to_string(version->as_int64())
                                                               : std::to_string(version->as_uint64()));
  if (!number) return bad("\"version\" is not a positive integer");

  auto h = history(name, "a rollback cannot replace it", res, request_id);
  if (!h) return false;
  if (h->find(*number) == nullptr) {
    version_not_kept(res, name, *number, *h, request_id);
    return false;
  }
  if (h->serving == *number) {
    set_error(res, http::status::conflict,
              {"version " + std::to_string(*number) + " of plugin " + name + " is already serving",
               name,
               {},
               request_id});
    return false;
  }
  auto kept = parts_.catalog.version(name, *number);
  if (!kept) {
    set_catalog_error(res, kept.error(), name, request_id);
    return false;
  }
  if (!*kept) {
    version_not_kept(res, name, *number, *h, request_id);
    return false;
  }
  // Loaded and published exactly as an upload: compiled once, instantiated
  // on every worker, then swapped in atomically; the bytes live until done.
  auto plugin = std::make_shared<StoredPlugin>(std::move(**kept));
  PluginManager::Persist persist{PluginManager::Persist::kRollback, &parts_.catalog};
  persist.version = *number;
  const uint64_t previous = h->serving;
  parts_.manager.install_async(
      name, plugin->wasm, plugin->settings, std::move(persist),
      [plugin, &res, name, request_id, previous, number = *number,
       done = std::move(done)](engine::Result<PluginManager::Installed> installed) {
        if (!installed) {
          set_error(res, status_for_load_error(installed.error()),
                    {installed.error().describe(), name, {}, request_id});
        } else {
          spdlog::info("plugin {} rolled back to version {} (was {})", name, number, previous);
          send_json(res, http::status::ok,
                    json::object{{"name", name},
                                 {"serving", number},
                                 {"previous", previous == 0 ? json::value(nullptr) : json::value(previous)},
                                 {"sha256", installed->entry->module->sha256()},
                                 {"abi", engine::abi_name(installed->entry->module->abi())}});
        }
        done();
      });
  return true;
}

}  // namespace hookd::server
