// Which version of a plugin in a canary release serves a call
// (docs/releases.md, plugins/traffic_split.hpp): the stable one or the
// canary, by the split's weight, per call or sticky by a key of the
// request, or as the caller asks in X-Hookd-Version when the operator
// allows it (server.version_override).
//
// The request path's cost: a plugin without a release is one null check
// (BoundPlugin::canary) when the override is off. With a release: one
// atomic load, and a header walk and a hash for a sticky key; no
// allocation and no lock. Worker thread only.
#pragma once

#include <string>
#include <string_view>

#include "calls/io_worker.hpp"
#include "net/http_types.hpp"

namespace hookd::server {

// What an HTTP call offers to choose its version by.
struct VersionHints {
  const HttpRequest* request = nullptr;  // null: the stable version
  std::string_view client;               // the client address (after server.trusted_proxies)
  bool honour_override = false;          // server.version_override
};

// The header a caller names a version in, and the one that says which served.
inline constexpr std::string_view kVersionHeader = "X-Hookd-Version";

struct VersionRefusal {
  http::status status = http::status::ok;  // ok: none
  std::string message;
};

// The version of `stable` (a worker's binding of the stable version) that
// serves a call with `hints`; null with `refusal` set when the caller asked
// for a version that does not serve (404) or named none (400).
BoundPlugin* pick_version(BoundPlugin& stable, const VersionHints& hints, VersionRefusal& refusal);

// The value of the first header field named `name` (any case), "" if none.
std::string_view header_named(const HttpRequest& req, std::string_view name);
// The value of cookie `name` in the request's Cookie header, "" if none.
std::string_view cookie_named(const HttpRequest& req, std::string_view name);

}  // namespace hookd::server
