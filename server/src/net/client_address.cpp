#include "net/client_address.hpp"

namespace hookd::server {
namespace {

bool is_trusted(std::string_view text, const std::vector<config::IpNetwork>& trusted) {
  auto ip = config::IpAddress::parse(text);
  if (!ip) return false;
  for (const auto& net : trusted) {
    if (net.contains(*ip)) return true;
  }
  return false;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

ClientInfo resolve_client(std::string_view peer, std::string_view forwarded_for,
                          std::string_view forwarded_proto, const std::vector<config::IpNetwork>& trusted) {
  ClientInfo info{std::string(peer), "http"};
  if (trusted.empty() || !is_trusted(peer, trusted)) return info;
  if (forwarded_proto == "https" || forwarded_proto == "http") info.proto = std::string(forwarded_proto);
  // Walk the chain from the nearest hop outwards.
  while (!forwarded_for.empty()) {
    size_t comma = forwarded_for.rfind(',');
    std::string_view hop =
        trim(comma == std::string_view::npos ? forwarded_for : forwarded_for.substr(comma + 1));
    forwarded_for = comma == std::string_view::npos ? std::string_view{} : forwarded_for.substr(0, comma);
    if (hop.empty()) continue;
    if (!config::IpAddress::parse(hop)) break;  // garbage: stop believing the chain
    info.address = std::string(hop);
    if (!is_trusted(hop, trusted)) break;
  }
  return info;
}

}  // namespace hookd::server
