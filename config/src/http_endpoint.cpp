#include "hookd/config/http_endpoint.hpp"

#include <algorithm>
#include <charconv>

namespace hookd::config {

std::expected<HttpEndpoint, std::string> parse_http_endpoint(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (url.size() > 2048) return std::unexpected(std::string("must be at most 2048 bytes long"));
  if (!url.starts_with(kScheme)) {
    return std::unexpected(std::string("expected an http:// URL (https is not supported)"));
  }
  if (!std::ranges::all_of(url, [](char c) { return c > 0x20 && c < 0x7f; }))
    return std::unexpected(std::string("must be printable ASCII without spaces"));
  std::string_view rest = url.substr(kScheme.size());
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  HttpEndpoint out;
  if (slash != std::string_view::npos) out.target = std::string(rest.substr(slash));
  if (authority.find('@') != std::string_view::npos || out.target.find('#') != std::string::npos)
    return std::unexpected(std::string("must not hold user info or a fragment"));
  std::string_view port_text;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::unexpected(std::string("an IPv6 host needs its ']'"));
    out.host = std::string(authority.substr(1, close - 1));
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty() && !after.starts_with(':'))
      return std::unexpected(std::string("bad text after the host"));
    if (!after.empty()) port_text = after.substr(1);
  } else {
    const auto colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (out.host.empty()) return std::unexpected(std::string("has no host"));
  if (!port_text.empty() || authority.ends_with(':')) {
    unsigned value = 0;
    const auto* end = port_text.data() + port_text.size();
    auto [ptr, ec] = std::from_chars(port_text.data(), end, value);
    if (port_text.empty() || ec != std::errc{} || ptr != end || value == 0 || value > 65535)
      return std::unexpected(std::string("the port must be 1 to 65535"));
    out.port = static_cast<std::uint16_t>(value);
  }
  return out;
}

}  // namespace hookd::config
