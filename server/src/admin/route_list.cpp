#include "admin/route_list.hpp"

#include <boost/json.hpp>

namespace hookd::server {

boost::json::array routes_json(const routing::RouteTable& table, std::string_view plugin) {
  boost::json::array out;
  for (const routing::Route& r : table.routes()) {
    if (!plugin.empty() && r.plugin != plugin) continue;
    boost::json::array methods;
    if (r.any_method) {
      methods.emplace_back("*");
    } else {
      for (std::size_t i = 0; i < routing::kMethodCount; ++i) {
        const auto m = static_cast<routing::Method>(i);
        if (r.methods.contains(m)) methods.emplace_back(routing::to_string(m));
      }
    }
    out.push_back(boost::json::object{
        {"methods", std::move(methods)},
        {"host", r.host.empty() ? boost::json::value(nullptr) : boost::json::value(r.host)},
        {"path", r.path},
        {"plugin", r.plugin},
        {"function", r.function},
        {"origin", r.origin}});
  }
  return out;
}

}  // namespace hookd::server
