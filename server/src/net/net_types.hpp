// Socket types of the gateway. Each io_context is run by one thread, and its
// sockets name that context's executor type directly instead of the
// type-erased any_io_executor, whose copies and calls sat on every read and
// write (about 6% of the gateway's CPU on the echo benchmark, perf).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>

namespace hookd::server {

using Executor = boost::asio::io_context::executor_type;
using TcpSocket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, Executor>;
using TcpAcceptor = boost::asio::basic_socket_acceptor<boost::asio::ip::tcp, Executor>;
using TcpStream = boost::beast::basic_stream<boost::asio::ip::tcp, Executor>;

}  // namespace hookd::server
