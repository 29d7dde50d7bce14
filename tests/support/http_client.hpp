// A small synchronous Beast client for integration tests: every call has a
// timeout, so a hung server fails the test instead of hanging it.
#pragma once

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <map>
#include <string>

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
  explicit HttpClient(uint16_t port, std::chrono::seconds timeout = std::chrono::seconds(20))
      : stream_(io_), port_(port), timeout_(timeout) {}

  Response send(const Request& r) {
    if (!connected_) connect();
    http::request<http::string_body> req{r.method, r.target, 11};
    req.set(http::field::host, "127.0.0.1");
    for (const auto& [k, v] : r.headers) req.set(k, v);
    req.body() = r.body;
    req.prepare_payload();
    stream_.expires_after(timeout_);
    http::write(stream_, req);
    Response res;
    http::response_parser<http::string_body> parser;
    parser.body_limit(256u << 20);
    http::read(stream_, buffer_, parser);
    res = parser.release();
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
    stream_.expires_after(timeout_);
    boost::asio::write(stream_, boost::asio::buffer(bytes));
    Response res;
    http::read(stream_, buffer_, res);
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
    stream_.expires_after(timeout_);
    stream_.connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port_));
    connected_ = true;
  }

  boost::asio::io_context io_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  uint16_t port_;
  std::chrono::seconds timeout_;
  bool connected_ = false;
};

}  // namespace hookd::test
