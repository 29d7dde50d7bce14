// A small synchronous Beast client for integration tests. Every call is
// bounded (bounded_io.hpp runs one asynchronous operation under the stream's
// expiry): a hung server fails the call with a system_error carrying
// beast::error::timeout instead of hanging the test.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/system/system_error.hpp>
#include <chrono>
#include <map>
#include <string>

#include "bounded_io.hpp"
#include "test_timeouts.hpp"

namespace hookd::test {

namespace http = boost::beast::http;
using Response = http::response<http::string_body>;

struct Request {
  http::verb method = http::verb::post;
  std::string target;
  std::string body;
  std::map<std::string, std::string> headers;
};

class HttpClient {
 public:
  explicit HttpClient(uint16_t port, std::chrono::milliseconds timeout = kWaitBound)
      : stream_(io_), port_(port), timeout_(timeout) {}

  Response send(const Request& r) {
    if (!connected_) connect();
    http::request<http::string_body> req{r.method, r.target, 11};
    req.set(http::field::host, "127.0.0.1");
    for (const auto& [k, v] : r.headers) req.set(k, v);
    req.body() = r.body;
    req.prepare_payload();
    check(
        run_bounded(io_, stream_, timeout_, [&](auto handler) { http::async_write(stream_, req, handler); }));
    http::response_parser<http::string_body> parser;
    parser.body_limit(256u << 20);
    check(run_bounded(io_, stream_, timeout_,
                      [&](auto handler) { http::async_read(stream_, buffer_, parser, handler); }));
    Response res = parser.release();
    if (!res.keep_alive()) close();
    return res;
  }

  Response post(const std::string& target, const std::string& body,
                std::map<std::string, std::string> headers = {}) {
    return send({http::verb::post, target, body, std::move(headers)});
  }
  Response get(const std::string& target, std::map<std::string, std::string> headers = {}) {
    return send({http::verb::get, target, "", std::move(headers)});
  }

  // Sends raw bytes and reads one response (for malformed requests).
  Response raw(const std::string& bytes) {
    if (!connected_) connect();
    check(run_bounded(io_, stream_, timeout_, [&](auto handler) {
      boost::asio::async_write(stream_, boost::asio::buffer(bytes), handler);
    }));
    Response res;
    check(run_bounded(io_, stream_, timeout_,
                      [&](auto handler) { http::async_read(stream_, buffer_, res, handler); }));
    close();
    return res;
  }

  void close() {
    boost::beast::error_code ec;
    stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
    stream_.close();
    connected_ = false;
    buffer_.clear();
  }

 private:
  void connect() {
    check(run_bounded(io_, stream_, timeout_,
                      [&](auto handler) { stream_.async_connect(loopback(port_), handler); }));
    connected_ = true;
  }

  // The synchronous API reports failures as exceptions, as Beast's own
  // synchronous calls do; the connection is dropped first so the next call
  // starts clean.
  void check(const error_code& ec) {
    if (!ec) return;
    close();
    throw boost::system::system_error(ec);
  }

  boost::asio::io_context io_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  uint16_t port_;
  std::chrono::milliseconds timeout_;
  bool connected_ = false;
};

}  // namespace hookd::test
