// Bounded blocking I/O for integration tests. Beast's tcp_stream timeouts
// apply only to asynchronous operations, so each call here starts one
// asynchronous operation and runs a private io_context until it completes;
// the stream's expiry closes the socket if the server never answers, so a
// hung server fails the test instead of hanging it.
#pragma once

#include <poll.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <expected>
#include <string>
#include <string_view>

#include "test_timeouts.hpp"

namespace hookd::test {

using error_code = boost::beast::error_code;

// Runs the operation `start(handler)` begins on `io` until it completes or
// `stream`'s expiry (now + timeout) fails it with beast::error::timeout.
template <class Start>
error_code run_bounded(boost::asio::io_context& io, boost::beast::tcp_stream& stream,
                       std::chrono::milliseconds timeout, Start&& start) {
  error_code result = boost::asio::error::in_progress;
  stream.expires_after(timeout);
  start([&result](error_code ec, auto&&...) { result = ec; });
  io.restart();
  io.run();
  if (stream.socket().is_open()) stream.expires_never();
  return result;
}

// Waits, without reading, until the peer of socket `fd` resets or
// half-closes the connection; false if it is still open after `timeout`.
inline bool peer_gone_within(int fd, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLRDHUP, 0};
    if (::poll(&p, 1, 100) > 0 && (p.revents & (POLLERR | POLLHUP | POLLRDHUP)) != 0) return true;
  }
  return false;
}

// Opens `socket` with a small fixed receive buffer, so that a response the
// test does not read stays stuck in the server instead of in this kernel.
template <class Socket>
error_code open_as_slow_reader(Socket& socket, int receive_buffer_bytes) {
  error_code ec;
  socket.open(boost::asio::ip::tcp::v4(), ec);
  if (!ec) socket.set_option(boost::asio::socket_base::receive_buffer_size(receive_buffer_bytes), ec);
  return ec;
}

inline boost::asio::ip::tcp::endpoint loopback(uint16_t port) {
  return {boost::asio::ip::make_address("127.0.0.1"), port};
}

// One raw TCP connection: writes exactly the bytes it is given, so a test
// can pipeline requests, send half a request, or watch the server close.
class TcpConnection {
 public:
  using Response = boost::beast::http::response<boost::beast::http::string_body>;

  explicit TcpConnection(uint16_t port, std::chrono::milliseconds timeout = kWaitBound)
      : stream_(io_), port_(port), timeout_(timeout) {}

  error_code connect() {
    return run_bounded(io_, stream_, timeout_,
                       [&](auto handler) { stream_.async_connect(loopback(port_), handler); });
  }

  // Connects with a small fixed receive buffer, so that a response the test
  // does not read stays stuck in the server instead of in this kernel.
  error_code connect_slow_reader(int receive_buffer_bytes = 16 * 1024) {
    if (auto ec = open_as_slow_reader(stream_.socket(), receive_buffer_bytes)) return ec;
    return connect();
  }

  // Waits, without reading, until the server resets or half-closes.
  bool peer_gone_within(std::chrono::milliseconds timeout) {
    return hookd::test::peer_gone_within(stream_.socket().native_handle(), timeout);
  }

  error_code write(std::string_view bytes) {
    return run_bounded(io_, stream_, timeout_, [&](auto handler) {
      boost::asio::async_write(stream_, boost::asio::buffer(bytes.data(), bytes.size()), handler);
    });
  }

  // Ends this side's stream (the server reads end of file), keeps reading.
  error_code shutdown_write() {
    error_code ec;
    stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ec);
    return ec;
  }

  std::expected<Response, error_code> read_response() {
    Response res;
    if (!stream_.socket().is_open()) return std::unexpected(error_code(boost::asio::error::not_connected));
    const error_code ec = run_bounded(io_, stream_, timeout_, [&](auto handler) {
      boost::beast::http::async_read(stream_, buffer_, res, handler);
    });
    if (ec) return std::unexpected(ec);
    return res;
  }

  // Waits for the server to close the connection and returns how the wait
  // ended: end_of_stream/eof or connection_reset when it closed, timeout if
  // it stayed open, or the bytes' arrival as an empty error when it sent data.
  error_code wait_for_close() {
    char byte = 0;
    return run_bounded(io_, stream_, timeout_, [&](auto handler) {
      stream_.async_read_some(boost::asio::buffer(&byte, 1), handler);
    });
  }

  // One request/response round trip.
  std::expected<Response, error_code> get(std::string_view target) {
    if (auto ec = write("GET " + std::string(target) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"); ec) {
      return std::unexpected(ec);
    }
    return read_response();
  }

 private:
  boost::asio::io_context io_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  uint16_t port_;
  std::chrono::milliseconds timeout_;
};

// True when an error means the server closed the connection.
inline bool closed_by_server(const error_code& ec) {
  return ec == boost::asio::error::eof || ec == boost::beast::http::error::end_of_stream ||
         ec == boost::asio::error::connection_reset || ec == boost::asio::error::connection_refused ||
         ec == boost::asio::error::broken_pipe;
}

}  // namespace hookd::test
