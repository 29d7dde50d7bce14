#include "hookd/host/fetch_address.hpp"

#include <algorithm>
#include <array>

namespace hookd::host {
namespace {

using config::IpAddress;
using config::IpNetwork;

struct SpecialNetwork {
  const char* cidr;
  std::string_view kind;
};

// Checked in order, so the metadata addresses are named before the wider
// link-local/private ranges that contain them.
constexpr std::array kSpecialV4{
    SpecialNetwork{"169.254.169.254/32", "cloud metadata"},
    SpecialNetwork{"0.0.0.0/8", "unspecified"},
    SpecialNetwork{"10.0.0.0/8", "private"},
    SpecialNetwork{"100.64.0.0/10", "carrier-grade NAT"},
    SpecialNetwork{"127.0.0.0/8", "loopback"},
    SpecialNetwork{"169.254.0.0/16", "link-local"},
    SpecialNetwork{"172.16.0.0/12", "private"},
    SpecialNetwork{"192.0.0.0/24", "IETF protocol assignment"},
    SpecialNetwork{"192.0.2.0/24", "documentation"},
    SpecialNetwork{"192.168.0.0/16", "private"},
    SpecialNetwork{"198.18.0.0/15", "benchmarking"},
    SpecialNetwork{"198.51.100.0/24", "documentation"},
    SpecialNetwork{"203.0.113.0/24", "documentation"},
    SpecialNetwork{"224.0.0.0/4", "multicast"},
    SpecialNetwork{"255.255.255.255/32", "broadcast"},
    SpecialNetwork{"240.0.0.0/4", "reserved"},
};

constexpr std::array kSpecialV6{
    SpecialNetwork{"fd00:ec2::254/128", "cloud metadata"},
    SpecialNetwork{"::/128", "unspecified"},
    SpecialNetwork{"::1/128", "loopback"},
    SpecialNetwork{"64:ff9b:1::/48", "NAT64 local-use"},  // RFC 8215: translators inside a network
    SpecialNetwork{"100::/64", "discard-only"},
    SpecialNetwork{"2001::/32", "Teredo"},  // embeds an obfuscated IPv4 address
    SpecialNetwork{"2001:db8::/32", "documentation"},
    SpecialNetwork{"fc00::/7", "private"},
    SpecialNetwork{"fe80::/10", "link-local"},
    SpecialNetwork{"fec0::/10", "site-local"},
    SpecialNetwork{"ff00::/8", "multicast"},
};

template <std::size_t N>
std::array<IpNetwork, N> parse_all(const std::array<SpecialNetwork, N>& table) {
  std::array<IpNetwork, N> out;
  for (std::size_t i = 0; i < N; ++i) out[i] = IpNetwork::parse(table[i].cidr).value();
  return out;
}

template <std::size_t N>
std::optional<std::string_view> match(const IpAddress& ip, const std::array<SpecialNetwork, N>& table,
                                      const std::array<IpNetwork, N>& networks) {
  for (std::size_t i = 0; i < N; ++i) {
    if (networks[i].contains(ip)) return table[i].kind;
  }
  return std::nullopt;
}

IpAddress v4_from(const IpAddress& ip, std::size_t offset) {
  IpAddress v4;
  std::copy_n(ip.bytes.begin() + static_cast<std::ptrdiff_t>(offset), 4, v4.bytes.begin());
  return v4;
}

bool has_prefix(const IpAddress& ip, std::initializer_list<std::uint8_t> prefix) {
  return std::equal(prefix.begin(), prefix.end(), ip.bytes.begin());
}

// The IPv4 address an IPv6 address stands for, where one is embedded and a
// stack or gateway on the way may route to it.
std::optional<IpAddress> embedded_v4(const IpAddress& ip) {
  if (has_prefix(ip, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff})) return v4_from(ip, 12);     // mapped
  if (has_prefix(ip, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})) return v4_from(ip, 12);           // compatible
  if (has_prefix(ip, {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0})) return v4_from(ip, 12);  // NAT64
  if (has_prefix(ip, {0x20, 0x02})) return v4_from(ip, 2);                                    // 6to4
  return std::nullopt;
}

}  // namespace

std::optional<std::string_view> special_address_kind(const IpAddress& ip) {
  static const auto v4_networks = parse_all(kSpecialV4);
  static const auto v6_networks = parse_all(kSpecialV6);
  if (!ip.is_v6) return match(ip, kSpecialV4, v4_networks);
  // ::/128 and ::1/128 sit inside the "compatible" range; judge them as IPv6.
  if (auto kind = match(ip, kSpecialV6, v6_networks)) return kind;
  if (auto v4 = embedded_v4(ip)) return match(*v4, kSpecialV4, v4_networks);
  return std::nullopt;
}

bool fetch_address_allowed(const IpAddress& ip, const FetchPolicy& policy, std::string_view scheme,
                           std::string_view host, std::uint16_t port) {
  if (!special_address_kind(ip)) return true;
  const IpAddress plain = ip.unmapped();
  if (std::ranges::any_of(policy.allowed_addresses,
                          [&](const IpAddress& allowed) { return allowed.unmapped() == plain; })) {
    return true;
  }
  // An exemption covers its own entry: the URL names this address itself.
  const auto literal = IpAddress::parse(host);
  if (!literal || !(*literal == ip)) return false;
  return std::ranges::any_of(policy.exempt, [&](const AddressExemption& e) {
    return e.address == ip && e.port == port && e.scheme == scheme;
  });
}

}  // namespace hookd::host
