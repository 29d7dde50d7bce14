// A plain-HTTP endpoint hookd sends to (the tracing collector): the one
// place its URL is parsed, when the config is checked and when the
// exporter starts.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace hookd::config {

struct HttpEndpoint {
  std::string host;  // a name, an IPv4 address, or an IPv6 one without brackets
  std::uint16_t port = 80;
  std::string target = "/";  // the path and query, as sent in the request line

  bool operator==(const HttpEndpoint&) const = default;
};

/// `http://host[:port][/path]`; no user info, no fragment, printable ASCII
/// without spaces, at most 2048 bytes. TLS is not spoken: a collector is
/// reached on a trusted network or through a local agent.
std::expected<HttpEndpoint, std::string> parse_http_endpoint(std::string_view url);

}  // namespace hookd::config
