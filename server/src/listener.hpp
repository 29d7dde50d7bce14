// Accepts connections for one worker. Every worker has its own acceptor on
// the same port (SO_REUSEPORT), so the kernel spreads connections across
// workers and a connection stays on the thread that accepted it.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <functional>
#include <memory>

#include "hookd/engine/result.hpp"
#include "net_types.hpp"

namespace hookd::server {

class TcpListener : public std::enable_shared_from_this<TcpListener> {
 public:
  using OnAccept = std::function<void(TcpSocket)>;

  // Binds and listens; `reuse_port` lets the other workers bind the same port.
  static engine::Result<std::shared_ptr<TcpListener>> open(boost::asio::io_context& io,
                                                        const boost::asio::ip::tcp::endpoint& endpoint,
                                                        bool reuse_port, OnAccept on_accept);
  void start();
  void stop();  // any thread: posts the close to the acceptor's loop
  [[nodiscard]] uint16_t port() const { return port_; }

 private:
  TcpListener(boost::asio::io_context& io, OnAccept on_accept)
      : acceptor_(io.get_executor()), on_accept_(std::move(on_accept)) {}
  void accept();

  TcpAcceptor acceptor_;
  OnAccept on_accept_;
  uint16_t port_ = 0;
};

}  // namespace hookd::server
