#include "listener.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

namespace hookd::server {

namespace asio = boost::asio;

engine::Result<std::shared_ptr<TcpListener>> TcpListener::open(asio::io_context& io, const asio::ip::tcp::endpoint& endpoint,
                                                         bool reuse_port, OnAccept on_accept) {
  std::shared_ptr<TcpListener> l(new TcpListener(io, std::move(on_accept)));
  boost::system::error_code ec;
  auto bad = [&](std::string_view what) {
    return engine::fail(engine::ErrorKind::kInvalidArgument,
                        std::string(what) + " " + endpoint.address().to_string() + ":" +
                            std::to_string(endpoint.port()) + ": " + ec.message());
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

void TcpListener::start() { accept(); }

void TcpListener::stop() {
  asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
    boost::system::error_code ec;
    self->acceptor_.close(ec);
  });
}

void TcpListener::accept() {
  acceptor_.async_accept([self = shared_from_this()](boost::system::error_code ec, TcpSocket socket) {
    if (ec == asio::error::operation_aborted || !self->acceptor_.is_open()) return;
    if (!ec) {
      self->on_accept_(std::move(socket));
    } else {
      spdlog::warn("accept failed: {}", ec.message());
    }
    self->accept();
  });
}

}  // namespace hookd::server
