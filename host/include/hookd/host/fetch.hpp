// Outbound HTTP(S) for plugins: a narrow, blocking HttpFetcher interface with
// a real implementation (Boost.Beast + Asio + OpenSSL, make_http_fetcher) and
// a fake for unit tests of callers (FakeFetcher, fetch_fake.hpp).
//
// Safety is the fetcher's job, not the caller's: every request (and every
// redirect hop) is checked against the plugin's allowlist, and every address
// a host name resolves to is vetted before a socket is opened to it (see
// fetch_address.hpp), so an allowlisted name pointing at 127.0.0.1 or the
// cloud metadata service is refused.
//
// Error policy: nothing here throws on the request path; every failure is a
// FetchError value. make_http_fetcher runs at startup and throws
// std::invalid_argument when extra_ca_file cannot be loaded.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hookd/config/address.hpp"

namespace hookd::host {

/// The longest URL a fetch takes (a request's, and a redirect's once
/// resolved): the limit most servers and proxies apply to a request line,
/// checked before the URL is parsed (kBadUrl past it).
inline constexpr std::size_t kMaxFetchUrlBytes = 8192;

struct FetchRequest {
  std::string method = "GET";
  std::string url;
  /// Host, Content-Length and hop-by-hop headers (Connection, Keep-Alive,
  /// Transfer-Encoding, TE, Trailer, Upgrade, Proxy-*) are dropped: the
  /// fetcher sets the ones it needs itself.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  /// The caller's own bounds, narrowing the fetcher's options for this
  /// request: the fetch ends by `deadline` (the plugin call's; {} = none) and
  /// takes a body of at most `max_response_bytes` (0 = the options' limit).
  std::chrono::steady_clock::time_point deadline{};
  std::uint64_t max_response_bytes = 0;
};

struct FetchResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string final_url;  // after redirects
};

struct FetchError {
  enum class Code {
    kNotAllowed,        // scheme/host/port not in the plugin's allowlist
    kBadUrl,            // not an absolute http(s) URL with a host, or has userinfo
    kBlockedAddress,    // every resolved address is loopback/private/metadata/...
    kDns,               // the name did not resolve
    kConnect,           // no vetted address accepted a connection
    kTls,               // handshake or certificate/hostname verification failed
    kTimeout,           // connect timeout or the total deadline passed
    kTooLarge,          // response headers or body over the limit
    kTooManyRedirects,  // more than max_redirects hops
    kProtocol,          // malformed request input or response from the server
  };
  Code code;
  std::string message;
};

std::string_view to_string(FetchError::Code code);

/// An IP-literal allowlist entry ("http://127.0.0.1:8080") lets requests to
/// that very entry reach its address although it is loopback, private...:
/// the same scheme, the address itself as the URL's host, the same port.
/// Not a name that resolves to it, not a redirect to another port.
struct AddressExemption {
  std::string scheme;
  config::IpAddress address;
  std::uint16_t port = 0;
  bool operator==(const AddressExemption&) const = default;
};

/// What one plugin may reach; built from its grant (fetch_policy()).
struct FetchPolicy {
  std::vector<config::FetchPattern> allow;
  /// The IP-literal entries of `allow`, each exempt for itself only.
  std::vector<AddressExemption> exempt;
  /// Addresses normally refused (loopback, private, metadata...) that any
  /// allowed request may connect to, by exact address, names included. Never
  /// built from a grant; for embedders that trust a network (and tests).
  std::vector<config::IpAddress> allowed_addresses;
};

/// Resolves a host name to addresses; an error string becomes kDns.
using FetchResolver =
    std::function<std::expected<std::vector<config::IpAddress>, std::string>(const std::string& host)>;

struct FetchOptions {
  std::chrono::milliseconds connect_timeout{5000};
  /// One deadline for the whole fetch: DNS, connects, TLS, every redirect hop.
  std::chrono::milliseconds total_timeout{30000};
  std::uint64_t max_response_bytes = 10 << 20;  // body
  std::uint32_t max_response_header_bytes = 64 << 10;
  std::uint32_t max_redirects = 5;
  std::string extra_ca_file;  // PEM, trusted in addition to the system store
  std::size_t max_idle_per_destination = 8;
  std::size_t max_idle_total = 256;
  std::chrono::milliseconds idle_timeout{30000};  // pooled connections older than this are closed
  /// Empty: the system resolver (getaddrinfo). Tests inject names here.
  /// Note that system resolution cannot be cancelled: it is bounded by the
  /// resolver's own timeouts, and the total deadline is checked after it.
  FetchResolver resolver;
};

/// Thread-safe; fetch() blocks the calling thread until the response, an
/// error or the total deadline.
class HttpFetcher {
 public:
  virtual ~HttpFetcher() = default;
  virtual std::expected<FetchResponse, FetchError> fetch(const FetchRequest& request,
                                                         const FetchPolicy& policy) = 0;
};

/// The real fetcher with a keep-alive pool per (scheme, host, port, address).
std::unique_ptr<HttpFetcher> make_http_fetcher(FetchOptions options);

}  // namespace hookd::host
