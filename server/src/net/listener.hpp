// Accepts connections for one worker. Every worker has its own acceptor on
// the same port (SO_REUSEPORT), so the kernel spreads connections across
// workers and a connection stays on the thread that accepted it.
//
// When accepting fails for want of resources (EMFILE, ENFILE, ENOBUFS,
// ENOMEM) the connection stays in the backlog and the next accept would fail
// at once: the listener waits instead (10 ms, doubling up to 1 s) and warns
// once per streak of failures and at most every 10 s, not once per failure.
#pragma once

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include "hookd/server/error.hpp"
#include "net/net_types.hpp"

namespace hookd::server {

class TcpListener : public std::enable_shared_from_this<TcpListener> {
 public:
  using OnAccept = std::function<void(TcpSocket)>;

  static constexpr std::chrono::milliseconds kFirstBackoff{10};
  static constexpr std::chrono::milliseconds kMaxBackoff{1000};
  static constexpr std::chrono::seconds kWarnEvery{10};
  // stop_accepting(): how long handshakes already under way may take to
  // complete (a round trip; longer on a starved machine) before the close.
  static constexpr std::chrono::milliseconds kHandshakeGrace{100};

  // Binds and listens; `reuse_port` lets the other workers bind the same port.
  static ServerResult<std::shared_ptr<TcpListener>> open(boost::asio::io_context& io,
                                                         const boost::asio::ip::tcp::endpoint& endpoint,
                                                         bool reuse_port, OnAccept on_accept);
  void start();
  void stop();  // any thread: posts the close to the acceptor's loop
  // Any thread: like stop(), but without resetting a connection a client
  // may already have sent a request on: new handshakes are refused (a
  // socket filter drops bare SYNs), those under way get kHandshakeGrace to
  // complete and are accepted, then every queued connection is handed on
  // and the socket closes.
  // `closed` runs on the listener's thread once the socket is closed (at
  // once if it already was).
  void stop_accepting(std::function<void()> closed);
  // Any thread: when the last connection was accepted (steady clock; the
  // epoch if none was).
  [[nodiscard]] std::chrono::steady_clock::time_point last_accept() const {
    return std::chrono::steady_clock::time_point(
        std::chrono::steady_clock::duration(last_accept_.load(std::memory_order_relaxed)));
  }
  [[nodiscard]] uint16_t port() const { return port_; }

  // For tests and diagnostics (the acceptor's thread): failed accepts, and
  // warnings logged about them, since the start.
  [[nodiscard]] uint64_t accept_failures() const { return failures_; }
  [[nodiscard]] uint64_t accept_warnings() const { return warnings_; }

 private:
  TcpListener(boost::asio::io_context& io, OnAccept on_accept)
      : acceptor_(io.get_executor()),
        backoff_timer_(io),
        grace_timer_(io),
        on_accept_(std::move(on_accept)) {}
  void accept();
  void close();
  void take_queued_and_close(const std::function<void()>& closed);
  void on_accept_error(const boost::system::error_code& ec);

  TcpAcceptor acceptor_;
  boost::asio::steady_timer backoff_timer_;
  boost::asio::steady_timer grace_timer_;
  OnAccept on_accept_;
  uint16_t port_ = 0;
  std::atomic<std::chrono::steady_clock::rep> last_accept_{0};
  std::chrono::milliseconds backoff_{0};  // 0: not backing off
  std::chrono::steady_clock::time_point last_warning_{};
  uint64_t failures_ = 0;
  uint64_t warnings_ = 0;
  uint64_t streak_ = 0;         // failures since the last accepted connection
  uint64_t since_warning_ = 0;  // failures not yet reported
};

// Fails when another socket listens on `endpoint` (port 0: never). The
// public listeners join their port's SO_REUSEPORT group, which any process
// of the same user may join too; the kernel would then split connections
// between two gateways with different plugins. So before binding, a probe
// socket without SO_REUSEPORT is bound to the address, which the kernel
// refuses while anything listens there. The message names the address.
// (Two processes starting in the same instant could both pass the probe;
// a deliberate overlap is not supported: a restart stops the old process
// first, and a proxy in front covers the gap, docs/deployment.md.)
ServerResult<void> ensure_address_free(const boost::asio::ip::tcp::endpoint& endpoint);

// Answers a connection refused at a connection cap with a complete 503
// (Retry-After: 1, a JSON error) and closes it. Never blocks: a fresh
// socket's send buffer takes the few bytes.
void refuse_connection(TcpSocket& socket);

}  // namespace hookd::server
