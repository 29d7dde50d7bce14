#include "fetch_test_server.hpp"

#include <strings.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/asio/experimental/as_tuple.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace hookd::host::test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
constexpr auto kTuple = asio::experimental::as_tuple(asio::use_awaitable);

}  // namespace

std::vector<std::string> SeenRequest::header(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [n, v] : headers) {
    if (n.size() == name.size() && strncasecmp(n.data(), name.data(), n.size()) == 0) out.push_back(v);
  }
  return out;
}

struct TestServer::Impl {
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  std::optional<asio::ssl::context> tls;
  Handler handler;
  std::atomic<int>* accepted = nullptr;
  mutable std::mutex mutex;
  std::vector<SeenRequest> requests;

  template <class Stream>
  asio::awaitable<void> serve(Stream& stream, int connection) {
    beast::flat_buffer buffer;
    for (int n = 1;; ++n) {
      http::request<http::string_body> req;
      auto [read_ec, read_bytes] = co_await http::async_read(stream, buffer, req, kTuple);
      if (read_ec) co_return;
      SeenRequest seen{
          std::string(req.method_string()), std::string(req.target()), {}, req.body(), connection, n};
      for (const auto& f : req)
        seen.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
      {
        std::lock_guard lock(mutex);
        requests.push_back(seen);
      }
      TestReply reply = handler(seen);
      if (reply.delay.count() > 0) {
        asio::steady_timer timer(io, reply.delay);
        co_await timer.async_wait(kTuple);
      }
      if (reply.drop) co_return;
      http::response<http::string_body> res{static_cast<http::status>(reply.status), 11};
      for (const auto& [name, value] : reply.headers) res.insert(name, value);
      res.body() = reply.body;
      res.prepare_payload();
      if (req.method() == http::verb::head) {  // the length of what GET would send, no body
        res.body().clear();
        res.content_length(reply.body.size());
      }
      const bool reply_closes = std::ranges::any_of(reply.headers, [](const auto& h) {
        return strcasecmp(h.first.c_str(), "connection") == 0 && strcasecmp(h.second.c_str(), "close") == 0;
      });
      res.keep_alive(req.keep_alive() && !reply_closes);
      auto [write_ec, write_bytes] = co_await http::async_write(stream, res, kTuple);
      if (write_ec || !res.keep_alive()) co_return;
    }
  }

  asio::awaitable<void> session(tcp::socket socket, int connection) {
    if (!tls) {
      co_await serve(socket, connection);
      co_return;
    }
    beast::ssl_stream<tcp::socket> stream(std::move(socket), *tls);
    auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, kTuple);
    if (!ec) co_await serve(stream, connection);
  }

  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(kTuple);
      if (ec) co_return;
      const int connection = ++*accepted;
      asio::co_spawn(io, session(std::move(socket), connection), asio::detached);
    }
  }
};

TestServer::TestServer(Handler handler, std::optional<TlsIdentity> tls) : impl_(std::make_unique<Impl>()) {
  impl_->handler = std::move(handler);
  impl_->accepted = &accepted_;
  if (tls) {
    tls_ = true;
    auto& ctx = impl_->tls.emplace(asio::ssl::context::tls_server);
    ctx.use_certificate_chain(asio::buffer(tls->cert_pem));
    ctx.use_private_key(asio::buffer(tls->key_pem), asio::ssl::context::pem);
  }
  const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(endpoint.protocol());
  impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  impl_->acceptor.bind(endpoint);
  impl_->acceptor.listen();
  port_ = impl_->acceptor.local_endpoint().port();
  asio::co_spawn(impl_->io, impl_->accept_loop(), asio::detached);
  thread_ = std::thread([this] { impl_->io.run(); });
}

TestServer::~TestServer() {
  impl_->io.stop();
  thread_.join();
  impl_.reset();  // destroys pending sessions (and their sockets) before the counters go
}

std::string TestServer::url(std::string_view path, std::string_view host) const {
  return std::string(tls_ ? "https://" : "http://") + std::string(host) + ":" + std::to_string(port_) +
         std::string(path);
}

std::vector<SeenRequest> TestServer::requests() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->requests;
}

}  // namespace hookd::host::test
