// A request and a response sink as an embedder attaches them to a plugin
// call, for the exchange tests: the request is views into strings the test
// owns, as a server's would be views into its parsed request.
#pragma once

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hookd/engine/http_exchange.hpp"
#include "hookd/engine/plugin.hpp"

namespace hookd::test {

// HMAC-SHA256 of `msg` under `key`, in lower-case hex: what the plugins'
// hookd.crypto.hmac_sha256 answers are checked against.
inline std::string openssl_hmac(std::string_view key, std::string_view msg) {
  uint8_t mac[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  static const uint8_t kNone = 0;
  HMAC(EVP_sha256(), key.empty() ? &kNone : reinterpret_cast<const uint8_t*>(key.data()),
       static_cast<int>(key.size()), reinterpret_cast<const uint8_t*>(msg.data()), msg.size(), mac, &n);
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (unsigned i = 0; i < n; ++i) s.append({digits[mac[i] >> 4], digits[mac[i] & 15]});
  return s;
}

struct Exchange {
  std::vector<std::pair<std::string, std::string>> header_text;
  std::vector<std::pair<std::string, std::string>> route_text;
  std::string method = "GET";
  std::string target = "/";
  std::string client = "192.0.2.7:51000";
  std::string request_id = "req-1";

  engine::ResponseSink response;

  // The context of one call; valid while this Exchange is and is not changed.
  const engine::CallContext& context() {
    headers_.clear();
    for (const auto& [n, v] : header_text) headers_.push_back({n, v});
    routes_.clear();
    for (const auto& [n, v] : route_text) routes_.push_back({n, v});
    list_ = engine::HeaderList(headers_);
    view_ = engine::RequestView{method, target, client, routes_, &list_};
    response.reset();
    ctx_ = engine::CallContext{};
    ctx_.request_id = request_id;
    ctx_.request = &view_;
    ctx_.response = &response;
    return ctx_;
  }

 private:
  std::vector<engine::HeaderField> headers_;
  std::vector<engine::HeaderField> routes_;
  engine::HeaderList list_;
  engine::RequestView view_;
  engine::CallContext ctx_;
};

}  // namespace hookd::test
