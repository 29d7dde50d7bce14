// One client connection (plain TCP or TLS) to a vetted address, with its own
// io_context so the thread that checks it out of the pool drives its I/O
// synchronously; every operation is bounded by a deadline. Beast and Asio
// stay inside connection.cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "fetch/fetch_url.hpp"
#include "hookd/config/address.hpp"
#include "hookd/host/fetch.hpp"

namespace hookd::host::fetch {

using Clock = std::chrono::steady_clock;

/// The TLS settings every HTTPS connection of one fetcher shares.
class TlsContext {
 public:
  /// Throws std::invalid_argument when `extra_ca_file` cannot be loaded.
  explicit TlsContext(const std::string& extra_ca_file);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

/// A request ready for the wire: headers already filtered, Host set.
struct WireRequest {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool send_content_length = false;
};

struct ExchangeLimits {
  std::uint64_t max_body_bytes;
  std::uint32_t max_header_bytes;
};

struct ExchangeResult {
  FetchResponse response;  // final_url left empty
  bool reusable = false;   // the server keeps the connection open and nothing is left unread
};

struct ExchangeFailure {
  FetchError error;
  bool nothing_received = false;  // the server sent no byte: a stale pooled connection
};

class Connection {
 public:
  /// Connects to the first of `addresses` that accepts before
  /// `connect_deadline`, then for https completes a verified TLS handshake
  /// (SNI and hostname or IP checked against `target`) before `deadline`.
  static std::expected<std::unique_ptr<Connection>, FetchError> open(
      const FetchTarget& target, const std::vector<config::IpAddress>& addresses, TlsContext& tls,
      Clock::time_point connect_deadline, Clock::time_point deadline);

  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// Writes `request` and reads one response, all before `deadline`.
  std::expected<ExchangeResult, ExchangeFailure> exchange(const WireRequest& request,
                                                          const ExchangeLimits& limits,
                                                          Clock::time_point deadline);

  /// The address the socket is connected to.
  const config::IpAddress& peer() const;

  /// False when the idle connection has been closed by the server or has
  /// unexpected bytes waiting; such a connection must not be reused.
  bool idle_and_open() const;

  Clock::time_point idle_since{};

 private:
  struct Impl;
  explicit Connection(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace hookd::host::fetch
