// Which IP addresses a plugin's fetch may connect to. Shared by the real
// fetcher and anyone who wants the same answer (config checks, logs).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "hookd/config/address.hpp"
#include "hookd/host/fetch.hpp"

namespace hookd::host {

/// Why `ip` is not a public unicast address ("loopback", "private",
/// "link-local", "cloud metadata", ...), or nullopt when it is. IPv6 forms
/// that embed an IPv4 address (mapped, compatible, NAT64, 6to4) are judged by
/// the IPv4 address inside.
std::optional<std::string_view> special_address_kind(const config::IpAddress& ip);

/// True when a fetch under `policy` of scheme://host:port may connect to
/// `ip`: a public address, one the policy names exactly in
/// allowed_addresses, or the address of an exemption that is this very
/// request (host is that IP literal, same scheme and port).
bool fetch_address_allowed(const config::IpAddress& ip, const FetchPolicy& policy,
                           std::string_view scheme = {}, std::string_view host = {}, std::uint16_t port = 0);

}  // namespace hookd::host
