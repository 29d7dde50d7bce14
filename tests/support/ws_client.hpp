// A small synchronous WebSocket client for integration tests, on Beast. Every
// call is bounded (see bounded_io.hpp): a server that never answers fails the
// call with beast::error::timeout instead of hanging the test.
#pragma once

#include <boost/beast/websocket.hpp>
#include <expected>
#include <string>
#include <string_view>

#include "bounded_io.hpp"

namespace hookd::test {

namespace websocket = boost::beast::websocket;

struct WsMessage {
  std::string data;
  bool text = false;
};

class WsClient {
 public:
  explicit WsClient(uint16_t port, std::chrono::milliseconds timeout = kWaitBound)
      : ws_(io_), port_(port), timeout_(timeout) {}

  // Connects and upgrades on `target`. A refused upgrade fails with
  // websocket::error::upgrade_declined; upgrade_response() then holds the
  // server's HTTP answer.
  error_code connect(std::string_view target, int receive_buffer_bytes = 0) {
    auto& tcp = boost::beast::get_lowest_layer(ws_);
    if (receive_buffer_bytes > 0) {
      if (auto ec = open_as_slow_reader(tcp.socket(), receive_buffer_bytes)) return ec;
    }
    if (auto ec = run_bounded(io_, tcp, timeout_,
                              [&](auto handler) { tcp.async_connect(loopback(port_), handler); })) {
      return ec;
    }
    return run_bounded(io_, tcp, timeout_, [&](auto handler) {
      ws_.async_handshake(upgrade_response_, "127.0.0.1", std::string(target), handler);
    });
  }

  error_code send(std::string_view data, bool text) {
    ws_.text(text);
    return run_bounded(io_, boost::beast::get_lowest_layer(ws_), timeout_, [&](auto handler) {
      ws_.async_write(boost::asio::buffer(data.data(), data.size()), handler);
    });
  }
  error_code send_text(std::string_view data) { return send(data, true); }

  // Sends `data` as the start of a binary message that never ends (its
  // frame does not have FIN set).
  error_code send_partial(std::string_view data) {
    ws_.binary(true);
    return run_bounded(io_, boost::beast::get_lowest_layer(ws_), timeout_, [&](auto handler) {
      ws_.async_write_some(false, boost::asio::buffer(data.data(), data.size()), handler);
    });
  }

  // Whether the server sent something (a message, or its close) within
  // `timeout`; nothing is read.
  bool readable_within(std::chrono::milliseconds timeout) {
    pollfd p{boost::beast::get_lowest_layer(ws_).socket().native_handle(), POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(timeout.count())) > 0;
  }
  error_code send_binary(std::string_view data) { return send(data, false); }

  // Reads one message. When the server closes the session this fails with
  // websocket::error::closed and close_reason() tells its code.
  std::expected<WsMessage, error_code> read() {
    boost::beast::flat_buffer buffer;
    const error_code ec = run_bounded(io_, boost::beast::get_lowest_layer(ws_), timeout_,
                                      [&](auto handler) { ws_.async_read(buffer, handler); });
    if (ec) return std::unexpected(ec);
    return WsMessage{boost::beast::buffers_to_string(buffer.data()), ws_.got_text()};
  }

  // Sends a message and reads the one reply.
  std::expected<WsMessage, error_code> call(std::string_view data, bool text) {
    if (auto ec = send(data, text)) return std::unexpected(ec);
    return read();
  }

  error_code close() {
    return run_bounded(io_, boost::beast::get_lowest_layer(ws_), timeout_,
                       [&](auto handler) { ws_.async_close(websocket::close_code::normal, handler); });
  }

  // Ends the connection without a close frame, as a client that crashed or
  // lost its network would.
  void drop() {
    error_code ec;
    boost::beast::get_lowest_layer(ws_).socket().close(ec);
  }

  // Waits, without reading, until the server resets or half-closes.
  bool peer_gone_within(std::chrono::milliseconds timeout) {
    return hookd::test::peer_gone_within(boost::beast::get_lowest_layer(ws_).socket().native_handle(),
                                         timeout);
  }

  [[nodiscard]] const websocket::close_reason& close_reason() const { return ws_.reason(); }
  [[nodiscard]] const websocket::response_type& upgrade_response() const { return upgrade_response_; }

 private:
  boost::asio::io_context io_;
  websocket::stream<boost::beast::tcp_stream> ws_;
  websocket::response_type upgrade_response_;
  uint16_t port_;
  std::chrono::milliseconds timeout_;
};

}  // namespace hookd::test
