// Helpers shared by the fetch tests: policies for the loopback test servers
// and options with short, bounded timeouts.
#pragma once

#include <strings.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "hookd/config/address.hpp"
#include "hookd/host/fetch.hpp"

namespace hookd::host::test {

inline config::FetchPattern pattern(const std::string& text) {
  return config::FetchPattern::parse(text).value();
}

inline config::IpAddress ip(const std::string& text) { return config::IpAddress::parse(text).value(); }

/// Allows scheme://127.0.0.1:port and scheme://localhost:port, and, because
/// the test servers are on loopback, the address 127.0.0.1 explicitly.
inline FetchPolicy loopback_policy(std::uint16_t port, const std::string& scheme = "http") {
  const std::string suffix = ":" + std::to_string(port);
  return FetchPolicy{
      .allow = {pattern(scheme + "://127.0.0.1" + suffix), pattern(scheme + "://localhost" + suffix)},
      .allowed_addresses = {ip("127.0.0.1")},
  };
}

/// The same grant without the explicit address: loopback must be refused.
inline FetchPolicy loopback_policy_without_address(std::uint16_t port, const std::string& scheme = "http") {
  FetchPolicy policy = loopback_policy(port, scheme);
  policy.allowed_addresses.clear();
  return policy;
}

inline FetchOptions test_options() {
  FetchOptions options;
  options.connect_timeout = std::chrono::milliseconds(2000);
  options.total_timeout = std::chrono::milliseconds(5000);
  return options;
}

inline FetchRequest get(std::string url) { return FetchRequest{.url = std::move(url)}; }

inline std::string header_value(const FetchResponse& response, const std::string& name) {
  for (const auto& [n, v] : response.headers) {
    if (n.size() == name.size() && strncasecmp(n.c_str(), name.c_str(), n.size()) == 0) return v;
  }
  return {};
}

}  // namespace hookd::host::test
