// The real HttpFetcher: allowlist, DNS, address vetting, pooled connection,
// exchange, redirects; all under one deadline. Each fetch runs on the
// caller's thread; only the pool is shared (behind its mutex).
#include <fmt/format.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

#include "fetch/connection.hpp"
#include "fetch/connection_pool.hpp"
#include "fetch/fetch_url.hpp"
#include "fetch/wire_request.hpp"
#include "hookd/host/fetch.hpp"
#include "hookd/host/fetch_address.hpp"

namespace hookd::host {
namespace {

using fetch::Clock;
using fetch::FetchTarget;
using Code = FetchError::Code;
using Result = std::expected<FetchResponse, FetchError>;

std::expected<std::vector<config::IpAddress>, std::string> system_resolve(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  if (const int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &list); rc != 0) {
    return std::unexpected(std::string(::gai_strerror(rc)));
  }
  std::vector<config::IpAddress> out;
  for (const addrinfo* ai = list; ai; ai = ai->ai_next) {
    config::IpAddress ip;
    if (ai->ai_family == AF_INET) {
      std::memcpy(ip.bytes.data(), &reinterpret_cast<const sockaddr_in*>(ai->ai_addr)->sin_addr, 4);
    } else if (ai->ai_family == AF_INET6) {
      std::memcpy(ip.bytes.data(), &reinterpret_cast<const sockaddr_in6*>(ai->ai_addr)->sin6_addr, 16);
      ip.is_v6 = true;
    } else {
      continue;
    }
    if (std::ranges::find(out, ip) == out.end()) out.push_back(ip);
  }
  ::freeaddrinfo(list);
  return out;
}

class BeastHttpFetcher final : public HttpFetcher {
 public:
  explicit BeastHttpFetcher(FetchOptions options)
      : options_(std::move(options)),
        tls_(options_.extra_ca_file),
        pool_(options_.max_idle_per_destination, options_.max_idle_total, options_.idle_timeout) {
    if (!options_.resolver) options_.resolver = system_resolve;
  }

  Result fetch(const FetchRequest& request, const FetchPolicy& policy) override {
    const auto now = Clock::now();
    auto deadline = now + options_.total_timeout;
    if (request.deadline != std::chrono::steady_clock::time_point{} && request.deadline < deadline) {
      deadline = request.deadline;
      if (deadline <= now) {
        return std::unexpected(FetchError{Code::kTimeout, "the plugin call's deadline has passed"});
      }
    }
    auto target = fetch::parse_fetch_url(request.url);
    if (!target) return std::unexpected(target.error());
    if (auto allowed = fetch::check_allowlist(*target, policy); !allowed)
      return std::unexpected(allowed.error());

    FetchRequest current = request;
    for (std::uint32_t hop = 0;; ++hop) {
      auto response = fetch_one(current, *target, policy, deadline);
      if (!response) return response;
      const auto location = std::ranges::find_if(response->headers, [](const auto& h) {
        return h.first.size() == 8 && strncasecmp(h.first.c_str(), "location", 8) == 0;
      });
      if (!fetch::is_redirect(response->status) || location == response->headers.end()) {
        response->final_url = target->url;
        return response;
      }
      if (hop >= options_.max_redirects) {
        return std::unexpected(FetchError{
            Code::kTooManyRedirects,
            fmt::format("more than {} redirects, the last from {}", options_.max_redirects, target->url)});
      }
      auto next = fetch::resolve_location(*target, location->second);
      if (!next) return std::unexpected(next.error());
      // Every hop is a new request as far as the grant is concerned.
      if (auto allowed = fetch::check_allowlist(*next, policy); !allowed)
        return std::unexpected(allowed.error());
      current = fetch::redirected_request(current, response->status, *target, *next);
      target = std::move(next);
    }
  }

 private:
  std::expected<std::vector<config::IpAddress>, FetchError> vetted_addresses(const FetchTarget& target,
                                                                             const FetchPolicy& policy,
                                                                             Clock::time_point deadline) {
    std::vector<config::IpAddress> resolved;
    if (target.host_is_ip) {
      resolved.push_back(config::IpAddress::parse(target.host).value());
    } else {
      auto r = options_.resolver(target.host);
      if (!r) {
        return std::unexpected(
            FetchError{Code::kDns, fmt::format("cannot resolve {}: {}", target.host, r.error())});
      }
      if (r->empty()) {
        return std::unexpected(FetchError{Code::kDns, fmt::format("{} has no addresses", target.host)});
      }
      resolved = std::move(*r);
      if (Clock::now() >= deadline) {
        return std::unexpected(
            FetchError{Code::kTimeout, fmt::format("resolving {} timed out", target.host)});
      }
    }
    std::vector<config::IpAddress> vetted;
    std::string refused;
    for (const auto& ip : resolved) {
      if (fetch_address_allowed(ip, policy, target.scheme, target.host, target.port)) {
        vetted.push_back(ip);
      } else {
        if (!refused.empty()) refused += ", ";
        refused += fmt::format("{} ({})", ip.to_string(), special_address_kind(ip).value_or("?"));
      }
    }
    if (vetted.empty()) {
      return std::unexpected(
          FetchError{Code::kBlockedAddress,
                     fmt::format("{} resolves to {}, which this plugin may not reach", target.url, refused)});
    }
    return vetted;
  }

  fetch::PoolKey key_for(const FetchTarget& target, const config::IpAddress& address) const {
    return {target.scheme, target.host, target.port, address.unmapped().to_string()};
  }

  Result fetch_one(const FetchRequest& request, const FetchTarget& target, const FetchPolicy& policy,
                   Clock::time_point deadline) {
    auto wire = fetch::make_wire_request(request, target);
    if (!wire) return std::unexpected(wire.error());
    auto addresses = vetted_addresses(target, policy, deadline);
    if (!addresses) return std::unexpected(addresses.error());
    std::uint64_t max_body = options_.max_response_bytes;
    if (request.max_response_bytes != 0) max_body = std::min(max_body, request.max_response_bytes);
    const fetch::ExchangeLimits limits{max_body, options_.max_response_header_bytes};

    // A pooled connection may have been closed by the server while idle; an
    // idempotent request is then sent once more on a fresh connection.
    const int attempts = fetch::is_idempotent(request.method) ? 2 : 1;
    for (int attempt = 0;; ++attempt) {
      std::unique_ptr<fetch::Connection> connection;
      if (attempt == 0) {
        for (const auto& address : *addresses) {
          if ((connection = pool_.take(key_for(target, address)))) break;
        }
      }
      const bool reused = connection != nullptr;
      if (!connection) {
        auto opened = fetch::Connection::open(target, *addresses, tls_,
                                              Clock::now() + options_.connect_timeout, deadline);
        if (!opened) return std::unexpected(opened.error());
        connection = std::move(*opened);
      }
      // Belt and braces: the socket's peer must be an address we vetted.
      if (std::ranges::find(*addresses, connection->peer()) == addresses->end() ||
          !fetch_address_allowed(connection->peer(), policy, target.scheme, target.host, target.port)) {
        return std::unexpected(
            FetchError{Code::kBlockedAddress, fmt::format("{} connected to unexpected address {}", target.url,
                                                          connection->peer().to_string())});
      }
      auto exchanged = connection->exchange(*wire, limits, deadline);
      if (!exchanged) {
        if (reused && exchanged.error().nothing_received && attempt + 1 < attempts) continue;
        return std::unexpected(std::move(exchanged.error().error));
      }
      if (exchanged->reusable) {
        auto key = key_for(target, connection->peer());
        pool_.put(std::move(key), std::move(connection));
      }
      return std::move(exchanged->response);
    }
  }

  FetchOptions options_;
  fetch::TlsContext tls_;
  fetch::ConnectionPool pool_;
};

}  // namespace

std::string_view to_string(FetchError::Code code) {
  switch (code) {
    case Code::kNotAllowed:
      return "not allowed";
    case Code::kBadUrl:
      return "bad URL";
    case Code::kBlockedAddress:
      return "blocked address";
    case Code::kDns:
      return "DNS failure";
    case Code::kConnect:
      return "connect failure";
    case Code::kTls:
      return "TLS failure";
    case Code::kTimeout:
      return "timeout";
    case Code::kTooLarge:
      return "too large";
    case Code::kTooManyRedirects:
      return "too many redirects";
    case Code::kProtocol:
      return "protocol error";
  }
  return "unknown";
}

std::unique_ptr<HttpFetcher> make_http_fetcher(FetchOptions options) {
  return std::make_unique<BeastHttpFetcher>(std::move(options));
}

}  // namespace hookd::host
