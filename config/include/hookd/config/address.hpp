// Network addresses that appear in hookd's configuration: listen endpoints,
// trusted proxy networks and the fetch allowlist patterns plugins are granted.
//
// Parsing never throws; it returns the value or a message that says what was
// expected, ready to be put after "key: ".
#pragma once

#include <array>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace hookd::config {

/// An IPv4 or IPv6 address. IPv4 addresses use the first four bytes.
struct IpAddress {
  std::array<std::uint8_t, 16> bytes{};
  bool is_v6 = false;

  /// Parses a literal ("10.0.0.1", "::1"); no brackets, no zone ids.
  static std::optional<IpAddress> parse(std::string_view text);
  /// An IPv4-mapped IPv6 address (::ffff:a.b.c.d) as plain IPv4, others unchanged.
  IpAddress unmapped() const;
  std::string to_string() const;
  bool operator==(const IpAddress&) const = default;
};

/// A network in CIDR form. A bare address is a /32 or /128 network.
struct IpNetwork {
  IpAddress address;
  int prefix_length = 0;

  /// Rejects host bits set beyond the prefix ("10.0.0.1/8"): such a line is
  /// almost always a typo, and silently masking it would trust more than meant.
  static std::expected<IpNetwork, std::string> parse(std::string_view text);
  /// True when `ip` is inside this network; IPv4-mapped IPv6 addresses match
  /// IPv4 networks, as dual-stack sockets report IPv4 peers that way.
  bool contains(const IpAddress& ip) const;
  std::string to_string() const;
  bool operator==(const IpNetwork&) const = default;
};

/// A "host:port" or "[v6]:port" endpoint.
struct HostPort {
  std::string host;  // without brackets
  std::uint16_t port = 0;

  /// Brackets IPv6 hosts again: "[::1]:8080".
  std::string to_string() const;
  bool host_is_ip() const;
  bool operator==(const HostPort&) const = default;
};

enum class HostRule {
  ip_literal,    // listen addresses: the server binds them without resolving
  ip_or_domain,  // outbound addresses (Redis): a DNS name is fine
};

/// Parses "host:port". `allow_port_zero` is for listen addresses (tests bind 0).
std::expected<HostPort, std::string> parse_host_port(std::string_view text, HostRule rule,
                                                     bool allow_port_zero);

/// One entry of a plugin's fetch allowlist: scheme://host[:port], where host may
/// start with "*." to allow any subdomain (but not the bare domain itself).
/// Without a port only the scheme's default port (80, 443) is allowed.
struct FetchPattern {
  std::string scheme;  // "http" or "https"
  std::string host;    // lower-cased; without "*." and without brackets
  bool any_subdomain = false;
  std::optional<std::uint16_t> port;

  static std::expected<FetchPattern, std::string> parse(std::string_view text);
  /// The grant check: does this pattern allow a request to scheme://host:port?
  bool allows(std::string_view scheme, std::string_view host, std::uint16_t port) const;
  std::string to_string() const;
  bool operator==(const FetchPattern&) const = default;
};

/// True for a syntactically valid DNS name (labels of [A-Za-z0-9-], ≤253 chars).
bool is_domain_name(std::string_view text);

}  // namespace hookd::config
