#include "fetch_test_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/asio/experimental/as_tuple.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cerrno>
#include <fstream>

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

HostileUpstream::HostileUpstream(Script script) : script_(std::move(script)) {
  listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listener_, 8) != 0 ||
      ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    throw std::runtime_error("HostileUpstream: cannot listen on 127.0.0.1");
  }
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { run(); });
}

HostileUpstream::~HostileUpstream() {
  stop_ = true;
  thread_.join();
  ::close(listener_);
}

std::string HostileUpstream::url(std::string_view path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
}

std::optional<std::uint64_t> HostileUpstream::written_until_closed(std::chrono::milliseconds bound) {
  std::unique_lock lock(mutex_);
  closed_cv_.wait_for(lock, bound, [this] { return written_.has_value(); });
  return written_;
}

std::uint64_t HostileUpstream::socket_slack() {
  std::uint64_t rmem_min = 0, rmem_default = 0, rmem_max = 32 << 20;
  std::ifstream("/proc/sys/net/ipv4/tcp_rmem") >> rmem_min >> rmem_default >> rmem_max;
  return rmem_max + (1 << 20);  // the send buffer is set to 256 KiB, which Linux doubles
}

void HostileUpstream::run() {
  while (!stop_) {
    pollfd pfd{listener_, POLLIN, 0};
    if (::poll(&pfd, 1, 20) <= 0) continue;
    const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    serve(fd);
    ::close(fd);
  }
}

void HostileUpstream::serve(int fd) {
  const int sndbuf = 256 << 10;
  ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
  // The request head, up to its blank line (the fetch tests send no body).
  std::string head;
  char chunk[4096];
  while (head.find("\r\n\r\n") == std::string::npos && head.size() < (64 << 10) && !stop_) {
    pollfd pfd{fd, POLLIN, 0};
    if (::poll(&pfd, 1, 20) <= 0) continue;
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) break;
    head.append(chunk, static_cast<std::size_t>(n));
  }
  std::uint64_t written = 0;
  // Writes all of `bytes` unless the client goes away (or the test ends).
  auto write_all = [&](std::string_view bytes) {
    while (!bytes.empty()) {
      if (stop_) return false;
      pollfd pfd{fd, POLLOUT, 0};
      if (::poll(&pfd, 1, 20) <= 0) continue;
      const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (n <= 0) return false;
      written += static_cast<std::uint64_t>(n);
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  };
  bool open = write_all(script_.prefix);
  std::string batch;
  if (!script_.repeat.empty()) {
    // Unpaced, the pattern goes out in batches of about 64 KiB.
    const std::size_t copies =
        script_.pace.count() > 0 ? 1 : std::max<std::size_t>(1, (64 << 10) / script_.repeat.size());
    for (std::size_t i = 0; i < copies; ++i) batch += script_.repeat;
  }
  while (open && !stop_) {
    if (script_.pace.count() > 0) std::this_thread::sleep_for(script_.pace);
    if (!batch.empty()) {
      open = write_all(batch);
      continue;
    }
    // Nothing more to send: wait for the client to close.
    pollfd pfd{fd, POLLIN, 0};
    if (::poll(&pfd, 1, 20) > 0 && ::recv(fd, chunk, sizeof chunk, 0) <= 0) open = false;
  }
  {
    std::lock_guard lock(mutex_);
    if (!written_) written_ = written;
  }
  closed_cv_.notify_all();
}

}  // namespace hookd::host::test
