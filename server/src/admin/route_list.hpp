// The route table as JSON, for GET /admin/routes and each plugin's
// description: {"methods": ["GET", "HEAD"] or ["*"], "host": null or the
// host, "path", "plugin", "function", "origin" (where it was declared)}.
#pragma once

#include <boost/json/array.hpp>
#include <string_view>

#include "routing/route_table.hpp"

namespace hookd::server {

// Every route of `table` in its order; only `plugin`'s when it is not empty.
boost::json::array routes_json(const routing::RouteTable& table, std::string_view plugin = {});

}  // namespace hookd::server
