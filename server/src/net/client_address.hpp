// Who the client is, behind trusted reverse proxies. X-Forwarded-For and
// X-Forwarded-Proto are believed only when the peer is a configured proxy;
// the client is then the right-most address in the chain that is not one.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "hookd/config/address.hpp"

namespace hookd::server {

struct ClientInfo {
  std::string address;
  std::string proto = "http";
};

ClientInfo resolve_client(std::string_view peer, std::string_view forwarded_for,
                          std::string_view forwarded_proto, const std::vector<config::IpNetwork>& trusted);

}  // namespace hookd::server
