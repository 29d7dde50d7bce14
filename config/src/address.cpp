#include "hookd/config/address.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "hookd/util/ascii.hpp"

namespace hookd::config {
namespace {

std::optional<std::uint32_t> parse_decimal(std::string_view text, std::uint32_t max) {
  if (text.empty() || text.size() > 10) return std::nullopt;
  std::uint32_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value > max) return std::nullopt;
  return value;
}

std::uint16_t default_port(std::string_view scheme) { return scheme == "https" ? 443 : 80; }

}  // namespace

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.empty() || text.size() > 45) return std::nullopt;
  const std::string zstr(text);  // inet_pton needs a terminated string
  IpAddress ip;
  if (text.find(':') == std::string_view::npos) {
    if (inet_pton(AF_INET, zstr.c_str(), ip.bytes.data()) != 1) return std::nullopt;
    return ip;
  }
  if (inet_pton(AF_INET6, zstr.c_str(), ip.bytes.data()) != 1) return std::nullopt;
  ip.is_v6 = true;
  return ip;
}

IpAddress IpAddress::unmapped() const {
  static constexpr std::array<std::uint8_t, 12> kMappedPrefix{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (!is_v6 || !std::equal(kMappedPrefix.begin(), kMappedPrefix.end(), bytes.begin())) return *this;
  IpAddress v4;
  std::copy_n(bytes.begin() + 12, 4, v4.bytes.begin());
  return v4;
}

std::string IpAddress::to_string() const {
  char buffer[INET6_ADDRSTRLEN] = {};
  inet_ntop(is_v6 ? AF_INET6 : AF_INET, bytes.data(), buffer, sizeof buffer);
  return buffer;
}

std::expected<IpNetwork, std::string> IpNetwork::parse(std::string_view text) {
  const auto slash = text.find('/');
  const auto address_text = text.substr(0, slash);
  auto address = IpAddress::parse(address_text);
  if (!address) {
    return std::unexpected(fmt::format("expected an IP address or CIDR network, got \"{}\"", text));
  }
  const int max_prefix = address->is_v6 ? 128 : 32;
  int prefix = max_prefix;
  if (slash != std::string_view::npos) {
    auto parsed = parse_decimal(text.substr(slash + 1), static_cast<std::uint32_t>(max_prefix));
    if (!parsed) {
      return std::unexpected(
          fmt::format("prefix length of \"{}\" must be between 0 and {}", text, max_prefix));
    }
    prefix = static_cast<int>(*parsed);
  }
  IpNetwork network{*address, prefix};
  IpNetwork masked = network;
  for (int bit = prefix; bit < max_prefix; ++bit) {
    masked.address.bytes[bit / 8] &= static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
  }
  if (masked.address != network.address) {
    return std::unexpected(
        fmt::format("\"{}\" has host bits set; did you mean \"{}\"?", text, masked.to_string()));
  }
  return network;
}

bool IpNetwork::contains(const IpAddress& candidate) const {
  const IpAddress ip = address.is_v6 ? candidate : candidate.unmapped();
  if (ip.is_v6 != address.is_v6) return false;
  for (int bit = 0; bit < prefix_length; ++bit) {
    const std::uint8_t mask = static_cast<std::uint8_t>(0x80u >> (bit % 8));
    if ((ip.bytes[bit / 8] & mask) != (address.bytes[bit / 8] & mask)) return false;
  }
  return true;
}

std::string IpNetwork::to_string() const { return fmt::format("{}/{}", address.to_string(), prefix_length); }

std::string HostPort::to_string() const {
  if (host.find(':') != std::string::npos) return fmt::format("[{}]:{}", host, port);
  return fmt::format("{}:{}", host, port);
}

bool HostPort::host_is_ip() const { return IpAddress::parse(host).has_value(); }

bool is_domain_name(std::string_view text) {
  if (text.empty() || text.size() > 253) return false;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find('.', start);
    if (end == std::string_view::npos) end = text.size();
    const auto label = text.substr(start, end - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (const unsigned char c : label) {
      if (!std::isalnum(c) && c != '-') return false;
    }
    start = end + 1;
  }
  return true;
}

std::expected<HostPort, std::string> parse_host_port(std::string_view text, HostRule rule,
                                                     bool allow_port_zero) {
  const auto example =
      rule == HostRule::ip_literal ? "127.0.0.1:8080 or [::1]:8080" : "redis.internal:6379 or [::1]:6379";
  auto fail = [&] {
    return std::unexpected(fmt::format("expected host:port such as {}, got \"{}\"", example, text));
  };
  std::string_view host;
  std::string_view port_text;
  if (text.starts_with('[')) {
    const auto close = text.find("]:");
    if (close == std::string_view::npos) return fail();
    host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
    auto ip = IpAddress::parse(host);
    if (!ip || !ip->is_v6) return fail();
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return fail();
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return std::unexpected(fmt::format("IPv6 addresses need brackets, as in [::1]:8080; got \"{}\"", text));
    }
    const bool is_ip = IpAddress::parse(host).has_value();
    if (!is_ip && (rule == HostRule::ip_literal || !is_domain_name(host))) {
      if (rule == HostRule::ip_literal && is_domain_name(host)) {
        return std::unexpected(fmt::format(
            "host must be an IP address (use 0.0.0.0 or :: for all interfaces), got \"{}\"", text));
      }
      return fail();
    }
  }
  const auto port = parse_decimal(port_text, 65535);
  if (!port || (*port == 0 && !allow_port_zero)) {
    return std::unexpected(
        fmt::format("port must be between {} and 65535, got \"{}\"", allow_port_zero ? 0 : 1, text));
  }
  return HostPort{rule == HostRule::ip_literal ? std::string(host) : util::to_lower(host),
                  static_cast<std::uint16_t>(*port)};
}

std::expected<FetchPattern, std::string> FetchPattern::parse(std::string_view text) {
  auto fail = [&](std::string_view why) {
    return std::unexpected(
        fmt::format("expected scheme://host[:port] such as \"https://api.example.com\" or "
                    "\"http://*.example.org:8080\" ({}), got \"{}\"",
                    why, text));
  };
  FetchPattern pattern;
  const auto sep = text.find("://");
  if (sep == std::string_view::npos) return fail("missing scheme");
  pattern.scheme = util::to_lower(text.substr(0, sep));
  if (pattern.scheme != "http" && pattern.scheme != "https") return fail("scheme must be http or https");
  std::string_view rest = text.substr(sep + 3);
  if (rest.find_first_of("/?#@") != std::string_view::npos) {
    return fail("no path, query or user info allowed");
  }
  std::string_view host;
  std::string_view port_text;
  bool has_port = false;
  if (rest.starts_with('[')) {
    const auto close = rest.find(']');
    if (close == std::string_view::npos) return fail("unclosed '['");
    host = rest.substr(1, close - 1);
    auto tail = rest.substr(close + 1);
    if (!tail.empty()) {
      if (!tail.starts_with(':')) return fail("unexpected text after ']'");
      port_text = tail.substr(1);
      has_port = true;
    }
    auto ip = IpAddress::parse(host);
    if (!ip || !ip->is_v6) return fail("bad IPv6 address");
    pattern.host = ip->to_string();
  } else {
    const auto colon = rest.find(':');
    host = rest.substr(0, colon);
    if (colon != std::string_view::npos) {
      port_text = rest.substr(colon + 1);
      has_port = true;
    }
    if (host.starts_with("*.")) {
      pattern.any_subdomain = true;
      host.remove_prefix(2);
      // "*.com" would open up a whole top-level domain.
      if (host.find('.') == std::string_view::npos)
        return fail("wildcard needs at least two labels after '*.'");
    }
    if (!is_domain_name(host) && !IpAddress::parse(host)) return fail("bad host");
    if (pattern.any_subdomain && IpAddress::parse(host)) return fail("wildcard on an IP address");
    pattern.host = util::to_lower(host);
  }
  if (has_port) {
    const auto port = parse_decimal(port_text, 65535);
    if (!port || *port == 0) return fail("port must be between 1 and 65535");
    pattern.port = static_cast<std::uint16_t>(*port);
  }
  return pattern;
}

bool FetchPattern::allows(std::string_view request_scheme, std::string_view request_host,
                          std::uint16_t request_port) const {
  if (!util::iequals(request_scheme, scheme)) return false;
  if (request_port != port.value_or(default_port(scheme))) return false;
  if (request_host.starts_with('[') && request_host.ends_with(']')) {
    request_host = request_host.substr(1, request_host.size() - 2);
  }
  if (auto ip = IpAddress::parse(request_host)) return !any_subdomain && ip->to_string() == host;
  if (request_host.ends_with('.')) request_host.remove_suffix(1);  // fully-qualified form
  if (!any_subdomain) return util::iequals(request_host, host);
  return request_host.size() > host.size() + 1 &&
         request_host[request_host.size() - host.size() - 1] == '.' &&
         util::iequals(request_host.substr(request_host.size() - host.size()), host);
}

std::string FetchPattern::to_string() const {
  const bool bracket = host.find(':') != std::string::npos;
  std::string out = fmt::format("{}://{}{}{}{}", scheme, any_subdomain ? "*." : "", bracket ? "[" : "", host,
                                bracket ? "]" : "");
  if (port) out += fmt::format(":{}", *port);
  return out;
}

}  // namespace hookd::config
