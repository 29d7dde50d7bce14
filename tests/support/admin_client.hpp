// Talks to a gateway's admin API with its bearer token, for integration tests.
#pragma once

#include <boost/json.hpp>
#include <fstream>
#include <iterator>
#include <map>
#include <string>

#include "http_client.hpp"
#include "test_plugins.hpp"

namespace hookd::test {

// The bytes of a plugin the build produced (empty if it is missing).
inline std::string plugin_bytes(std::string_view name) {
  std::ifstream in(plugin_path(name), std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The "error" of a JSON error response, or the whole body when it is not one.
inline std::string error_of(const Response& r) {
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(r.body(), ec);
  if (ec || !v.is_object()) return r.body();
  const auto* e = v.as_object().if_contains("error");
  return e && e->is_string() ? std::string(e->as_string()) : r.body();
}

class AdminClient {
 public:
  AdminClient(uint16_t port, std::string token) : http_(port), token_(std::move(token)) {}

  Response send(http::verb method, const std::string& target, std::string body = {},
                std::map<std::string, std::string> headers = {}) {
    headers.emplace("Authorization", "Bearer " + token_);
    return http_.send({method, target, std::move(body), std::move(headers)});
  }

  Response put(const std::string& name, std::string wasm, std::map<std::string, std::string> headers = {}) {
    return send(http::verb::put, "/admin/plugins/" + name, std::move(wasm), std::move(headers));
  }
  Response remove(const std::string& name) { return send(http::verb::delete_, "/admin/plugins/" + name); }
  Response show(const std::string& name) { return send(http::verb::get, "/admin/plugins/" + name); }
  Response list() { return send(http::verb::get, "/admin/plugins"); }

  // The entry of `name` in GET /admin/plugins (null when it is not listed).
  boost::json::value listed(const std::string& name) {
    auto r = list();
    if (r.result_int() != 200) return nullptr;
    const boost::json::value all = boost::json::parse(r.body());
    for (const auto& p : all.at("plugins").as_array()) {
      if (p.at("name").as_string() == name) return p;
    }
    return nullptr;
  }

 private:
  HttpClient http_;
  std::string token_;
};

}  // namespace hookd::test
