#include "net/listener.hpp"

#include <linux/filter.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <string>

namespace hookd::server {

namespace asio = boost::asio;

ServerResult<std::shared_ptr<TcpListener>> TcpListener::open(asio::io_context& io,
                                                             const asio::ip::tcp::endpoint& endpoint,
                                                             bool reuse_port, OnAccept on_accept) {
  std::shared_ptr<TcpListener> l(new TcpListener(io, std::move(on_accept)));
  boost::system::error_code ec;
  auto bad = [&](std::string_view what) {
    return server_fail(ServerErrorKind::kListen, std::string(what) + " " + endpoint.address().to_string() +
                                                     ":" + std::to_string(endpoint.port()) + ": " +
                                                     ec.message());
  };
  l->acceptor_.open(endpoint.protocol(), ec);
  if (ec) return bad("cannot open socket for");
  l->acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (reuse_port) {
    const int one = 1;
    ::setsockopt(l->acceptor_.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  }
  l->acceptor_.bind(endpoint, ec);
  if (ec) return bad("cannot listen on");
  l->acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return bad("cannot listen on");
  l->port_ = l->acceptor_.local_endpoint(ec).port();
  return l;
}

ServerResult<void> ensure_address_free(const asio::ip::tcp::endpoint& endpoint) {
  if (endpoint.port() == 0) return {};
  const std::string host = endpoint.address().to_string();
  const std::string where =
      (endpoint.address().is_v6() ? "[" + host + "]" : host) + ":" + std::to_string(endpoint.port());
  const int fd = ::socket(endpoint.address().is_v6() ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return {};  // the real bind reports what is wrong
  // SO_REUSEADDR as the listeners have it: connections of an earlier run
  // in TIME_WAIT do not block the probe, a listening socket does.
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  const int rc = ::bind(fd, endpoint.data(), static_cast<socklen_t>(endpoint.size()));
  const int err = errno;
  ::close(fd);
  if (rc == 0 || err != EADDRINUSE) return {};
  return server_fail(ServerErrorKind::kListen,
                     "cannot listen on " + where +
                         ": another process is listening there (another hookd?); hookd does not share "
                         "its port, so stop that process or choose another address");
}

void TcpListener::start() { accept(); }

void TcpListener::stop() {
  asio::post(acceptor_.get_executor(), [self = shared_from_this()] { self->close(); });
}

namespace {

// A classic BPF socket filter on a listening socket that drops every SYN
// without ACK: no new handshake starts, while those under way still
// complete (their ACKs pass) and established connections are untouched. The
// filter sees the TCP header at offset 0; byte 13 holds the flags.
// Unprivileged.
bool drop_new_handshakes(int fd) {
  static sock_filter program_code[] = {
      {BPF_LD | BPF_B | BPF_ABS, 0, 0, 13},     // A = TCP flags
      {BPF_ALU | BPF_AND | BPF_K, 0, 0, 0x12},  // A &= SYN | ACK
      {BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0x02},  // SYN alone?
      {BPF_RET | BPF_K, 0, 0, 0},               // yes: drop
      {BPF_RET | BPF_K, 0, 0, 0xffffffff},      // no: keep the packet
  };
  const sock_fprog program{static_cast<unsigned short>(std::size(program_code)), program_code};
  return ::setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program) == 0;
}

}  // namespace

void TcpListener::stop_accepting(std::function<void()> closed) {
  asio::post(acceptor_.get_executor(), [self = shared_from_this(), closed = std::move(closed)] {
    if (!self->acceptor_.is_open()) return closed();
    // Closing a listening socket resets the connections in its queue (and
    // those still in their handshake), and a proxy may already have sent a
    // request on one. So: first let no new handshake start (a client whose
    // SYN is dropped retries it after a second and then finds the port
    // closed, which a proxy passes to another node), keep accepting while the
    // handshakes under way complete, then take what is queued and close.
    if (!drop_new_handshakes(self->acceptor_.native_handle()))
      spdlog::warn("drain: cannot filter new connections on the listener; closing after the grace period");
    self->grace_timer_.expires_after(kHandshakeGrace);
    self->grace_timer_.async_wait([self, closed](boost::system::error_code) {
      // Also when cancelled (stop() or the loop stopping): closed either way.
      self->take_queued_and_close(closed);
    });
  });
}

void TcpListener::take_queued_and_close(const std::function<void()>& closed) {
  if (!acceptor_.is_open()) return closed();
  boost::system::error_code ec;
  acceptor_.non_blocking(true, ec);
  // Bounded by the backlog: the loop ends at the first would_block.
  while (!ec) {
    TcpSocket socket(acceptor_.get_executor());
    acceptor_.accept(socket, ec);
    if (!ec) on_accept_(std::move(socket));
  }
  close();
  closed();
}

void TcpListener::close() {
  boost::system::error_code ec;
  acceptor_.close(ec);
  backoff_timer_.cancel();
  grace_timer_.cancel();
}

void TcpListener::accept() {
  acceptor_.async_accept([self = shared_from_this()](boost::system::error_code ec, TcpSocket socket) {
    if (ec == asio::error::operation_aborted || !self->acceptor_.is_open()) return;
    if (ec) return self->on_accept_error(ec);
    self->last_accept_.store(std::chrono::steady_clock::now().time_since_epoch().count(),
                             std::memory_order_relaxed);
    if (self->streak_ > 0) {
      spdlog::info("accepting connections again after {} failed accepts", self->streak_);
      self->streak_ = 0;
      self->since_warning_ = 0;
      self->backoff_ = {};
    }
    self->on_accept_(std::move(socket));
    self->accept();
  });
}

namespace {

// Errors that concern one connection only (it was reset or refused before it
// was accepted): the next accept may well succeed.
bool per_connection(const boost::system::error_code& ec) {
  return ec == asio::error::connection_aborted || ec == asio::error::connection_reset ||
         ec == asio::error::try_again || ec == asio::error::interrupted ||
         ec == boost::system::errc::protocol_error || ec == boost::system::errc::operation_not_permitted;
}

}  // namespace

void TcpListener::on_accept_error(const boost::system::error_code& ec) {
  ++failures_;
  ++streak_;
  ++since_warning_;
  const auto now = std::chrono::steady_clock::now();
  if (streak_ == 1 || now - last_warning_ >= kWarnEvery) {
    ++warnings_;
    last_warning_ = now;
    spdlog::warn("accept failed: {} ({} failure(s) since the last report); {}", ec.message(), since_warning_,
                 per_connection(ec) ? "retrying" : "backing off");
    since_warning_ = 0;
  }
  if (per_connection(ec)) return accept();
  // Out of descriptors or memory: the connection waits in the backlog and an
  // accept now would fail again at once. Wait, longer each time.
  backoff_ =
      backoff_.count() == 0 ? kFirstBackoff : std::min(backoff_ * 2, std::chrono::milliseconds(kMaxBackoff));
  backoff_timer_.expires_after(backoff_);
  backoff_timer_.async_wait([self = shared_from_this()](boost::system::error_code wait_ec) {
    if (wait_ec || !self->acceptor_.is_open()) return;
    self->accept();
  });
}

void refuse_connection(TcpSocket& socket) {
  static const std::string kBusy = [] {
    const std::string body = R"({"error":"too many connections, retry later"})"
                             "\n";
    return "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Type: application/json\r\n"
           "Content-Length: " +
           std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  }();
  boost::system::error_code ec;
  socket.write_some(asio::buffer(kBusy), ec);
  socket.shutdown(asio::socket_base::shutdown_send, ec);
  socket.close(ec);
}

}  // namespace hookd::server
