// A tiny HTTP + WebSocket server for the load generator's tests, on
// 127.0.0.1 port 0, running on its own thread:
//   /ok    200 "ok"            /busy  503 "busy"
//   /slow  200 after 50 ms (per connection, so requests queue behind it)
//   /close 200 with Connection: close
//   WebSocket upgrade on any path: echoes every message.
// It counts what it saw so tests can compare both ends.
#pragma once

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <chrono>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>

namespace hookd::load::test {

class TestServer {
 public:
  static constexpr auto kSlowDelay = std::chrono::milliseconds(50);

  TestServer() : acceptor_(ctx_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    port_ = acceptor_.local_endpoint().port();
    boost::asio::co_spawn(ctx_, accept_loop(), boost::asio::detached);
    thread_ = std::thread([this] { ctx_.run(); });
  }
  ~TestServer() {
    ctx_.stop();
    thread_.join();
  }

  std::uint16_t port() const { return port_; }
  std::string url(const std::string& path, const char* scheme = "http") const {
    return std::string(scheme) + "://127.0.0.1:" + std::to_string(port_) + path;
  }
  std::uint64_t requests() const { return requests_; }
  std::uint64_t requests_to(const std::string& path) const {
    std::lock_guard lock(mutex_);
    auto it = by_path_.find(path);
    return it == by_path_.end() ? 0 : it->second;
  }
  std::uint64_t bytes_sent() const { return bytes_sent_; }
  std::uint64_t ws_messages() const { return ws_messages_; }
  std::uint64_t ws_connections() const { return ws_connections_; }

 private:
  using tcp = boost::asio::ip::tcp;
  template <typename T>
  using awaitable = boost::asio::awaitable<T>;

  awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(boost::asio::as_tuple(boost::asio::use_awaitable));
      if (ec) co_return;
      boost::asio::co_spawn(ctx_, session(std::move(socket)), boost::asio::detached);
    }
  }

  awaitable<void> session(tcp::socket socket) {
    namespace http = boost::beast::http;
    constexpr auto tuple = boost::asio::as_tuple(boost::asio::use_awaitable);
    // Without no_delay, Nagle holds back the second of two pipelined
    // responses until the client's delayed ACK, 40 ms later.
    boost::system::error_code opt_ec;
    socket.set_option(tcp::no_delay(true), opt_ec);
    boost::beast::tcp_stream stream(std::move(socket));
    boost::beast::flat_buffer buffer;
    for (;;) {
      http::request<http::string_body> req;
      auto [ec, n] = co_await http::async_read(stream, buffer, req, tuple);
      if (ec) co_return;
      if (boost::beast::websocket::is_upgrade(req)) {
        co_await echo(std::move(stream), std::move(req));
        co_return;
      }
      const std::string path(req.target());
      ++requests_;
      {
        std::lock_guard lock(mutex_);
        ++by_path_[path];
      }
      http::response<http::string_body> res;
      res.version(11);
      res.result(path == "/busy" ? http::status::service_unavailable : http::status::ok);
      res.body() = path == "/busy" ? "busy" : "ok";
      res.keep_alive(path != "/close" && req.keep_alive());
      res.prepare_payload();
      if (path == "/slow") {
        boost::asio::steady_timer timer(ctx_, kSlowDelay);
        co_await timer.async_wait(tuple);
      }
      // Counted before it is written: a client may read the response (and the
      // test compare counts) before this coroutine resumes after the write.
      std::ostringstream wire;
      wire << res;
      const std::string bytes = std::move(wire).str();
      bytes_sent_ += bytes.size();
      auto [wec, written] = co_await boost::asio::async_write(stream, boost::asio::buffer(bytes), tuple);
      if (wec) co_return;
      if (!res.keep_alive()) {
        stream.socket().shutdown(tcp::socket::shutdown_send, wec);
        co_return;
      }
    }
  }

  awaitable<void> echo(boost::beast::tcp_stream stream,
                       boost::beast::http::request<boost::beast::http::string_body> req) {
    constexpr auto tuple = boost::asio::as_tuple(boost::asio::use_awaitable);
    boost::beast::websocket::stream<boost::beast::tcp_stream> ws(std::move(stream));
    auto [ec] = co_await ws.async_accept(req, tuple);
    if (ec) co_return;
    ++ws_connections_;
    boost::beast::flat_buffer buffer;
    for (;;) {
      auto [rec, n] = co_await ws.async_read(buffer, tuple);
      if (rec) co_return;
      ++ws_messages_;
      ws.text(ws.got_text());
      auto [wec, m] = co_await ws.async_write(buffer.data(), tuple);
      if (wec) co_return;
      buffer.consume(buffer.size());
    }
  }

  // Counters first: they must outlive the io_context, whose destructor
  // destroys the coroutine frames that touch them.
  std::atomic<std::uint64_t> requests_{0}, bytes_sent_{0}, ws_messages_{0}, ws_connections_{0};
  mutable std::mutex mutex_;
  std::map<std::string, std::uint64_t> by_path_;
  boost::asio::io_context ctx_;
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

}  // namespace hookd::load::test
