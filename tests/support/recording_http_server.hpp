// A small Beast HTTP/1.1 server on 127.0.0.1, port 0, for tests that need
// something hookd sends to (an upstream of a fetch, a tracing collector):
// it keeps every request it reads (target, headers, body) and answers each
// with 200 and a fixed body on the same keep-alive connection, or, built
// with Answer::kNever, reads requests and never answers (a collector that
// hangs). Its own thread and event loop; every wait on it is bounded.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "test_timeouts.hpp"

namespace hookd::test {

class RecordingHttpServer {
 public:
  enum class Answer { kOk, kNever };

  struct Received {
    std::string target;
    std::map<std::string, std::string> headers;  // lower-case names; the last of a repeated one
    std::string body;
  };

  explicit RecordingHttpServer(Answer answer = Answer::kOk, std::string reply = "{}",
                               std::string content_type = "application/json")
      : answer_(answer),
        reply_(std::move(reply)),
        content_type_(std::move(content_type)),
        acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~RecordingHttpServer() {
    io_.stop();
    thread_.join();
  }
  RecordingHttpServer(const RecordingHttpServer&) = delete;
  RecordingHttpServer& operator=(const RecordingHttpServer&) = delete;

  [[nodiscard]] uint16_t port() const { return acceptor_.local_endpoint().port(); }
  [[nodiscard]] std::string origin() const { return "http://127.0.0.1:" + std::to_string(port()); }

  [[nodiscard]] std::vector<Received> received() const {
    std::lock_guard lock(mu_);
    return received_;
  }
  // Waits (bounded) until `done` holds for what was received.
  bool wait_until(const std::function<bool(const std::vector<Received>&)>& done,
                  std::chrono::milliseconds bound = kWaitBound) const {
    std::unique_lock lock(mu_);
    return changed_.wait_for(lock, bound, [&] { return done(received_); });
  }

 private:
  using tcp = boost::asio::ip::tcp;

  struct Connection : std::enable_shared_from_this<Connection> {
    Connection(RecordingHttpServer& server, tcp::socket s) : server(server), stream(std::move(s)) {}
    void read() {
      parser.emplace();
      parser->body_limit(64u << 20);
      boost::beast::http::async_read(stream, buffer, *parser,
                                     [self = shared_from_this()](boost::beast::error_code ec, std::size_t) {
                                       if (!ec) self->on_request();
                                     });
    }
    void on_request() {
      auto req = parser->release();
      Received r{std::string(req.target()), {}, std::move(req.body())};
      for (const auto& f : req.base()) {
        std::string name(f.name_string());
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        r.headers[name] = std::string(f.value());
      }
      {
        std::lock_guard lock(server.mu_);
        server.received_.push_back(std::move(r));
      }
      server.changed_.notify_all();
      if (server.answer_ == Answer::kNever) {
        // Held open, never answered, until the server stops.
        server.held_.push_back(shared_from_this());
        return;
      }
      res = {boost::beast::http::status::ok, 11};
      res.set(boost::beast::http::field::content_type, server.content_type_);
      res.body() = server.reply_;
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      boost::beast::http::async_write(stream, res,
                                      [self = shared_from_this()](boost::beast::error_code ec, std::size_t) {
                                        if (!ec && self->res.keep_alive()) self->read();
                                      });
    }
    RecordingHttpServer& server;
    boost::beast::tcp_stream stream;
    boost::beast::flat_buffer buffer;
    std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser;
    boost::beast::http::response<boost::beast::http::string_body> res;
  };

  void accept() {
    acceptor_.async_accept([this](boost::beast::error_code ec, tcp::socket s) {
      if (ec) return;
      std::make_shared<Connection>(*this, std::move(s))->read();
      accept();
    });
  }

  Answer answer_;
  std::string reply_;
  std::string content_type_;
  boost::asio::io_context io_;
  tcp::acceptor acceptor_;
  std::vector<std::shared_ptr<Connection>> held_;  // the loop's thread only
  mutable std::mutex mu_;
  mutable std::condition_variable changed_;
  std::vector<Received> received_;
  std::thread thread_;
};

}  // namespace hookd::test
