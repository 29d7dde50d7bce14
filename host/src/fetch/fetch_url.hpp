// URL handling for fetch: what a request URL (or a redirect's Location)
// means for the connection, and the allowlist check on it.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

#include "hookd/host/fetch.hpp"

namespace hookd::host::fetch {

/// An absolute http(s) URL taken apart for one hop.
struct FetchTarget {
  std::string url;     // normalized, without the fragment
  std::string scheme;  // "http" or "https"
  std::string host;    // lower-cased name, or IP literal without brackets
  bool host_is_ip = false;
  std::uint16_t port = 0;   // explicit or the scheme's default
  std::string host_header;  // host[:port] as sent in Host, brackets for IPv6
  std::string target;       // origin-form request target: path[?query]
};

/// kBadUrl unless `url` is absolute http/https with a host and no userinfo.
std::expected<FetchTarget, FetchError> parse_fetch_url(std::string_view url);

/// Resolves a redirect's Location (absolute or relative) against `base`.
std::expected<FetchTarget, FetchError> resolve_location(const FetchTarget& base, std::string_view location);

/// kNotAllowed, naming the URL, unless a pattern in `policy` allows it.
std::expected<void, FetchError> check_allowlist(const FetchTarget& target, const FetchPolicy& policy);

}  // namespace hookd::host::fetch
