#include "ws_transport.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

namespace hookd::load {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

class WsTransport final : public Transport {
 public:
  WsTransport(const asio::any_io_executor& executor, const Plan& plan) : plan_(plan), executor_(executor) {}

  bool is_open() const override { return open_; }

  asio::awaitable<std::optional<ErrorKind>> connect(Clock::duration timeout) override {
    // A websocket stream cannot be reused after a failure: build a new one.
    ws_.emplace(executor_);
    buffer_.clear();
    messages_ = 0;
    auto& tcp = beast::get_lowest_layer(*ws_);
    tcp.expires_after(timeout);
    auto [ec, endpoint] = co_await tcp.async_connect(plan_.endpoints, use_tuple);
    if (ec) {
      close();
      co_return ec == beast::error::timeout ? ErrorKind::timeout : ErrorKind::connect;
    }
    tcp.socket().set_option(asio::ip::tcp::no_delay(true), ec);
    // Timeouts come from the tcp_stream's deadline, set before every
    // operation; the websocket's own idle timer would fight it.
    ws_->set_option(websocket::stream_base::timeout{websocket::stream_base::none(),
                                                    websocket::stream_base::none(), false});
    ws_->set_option(websocket::stream_base::decorator(
        [](websocket::request_type& req) { req.set(beast::http::field::user_agent, "hookd-load"); }));
    ws_->read_message_max(plan_.options.max_response_bytes);
    ws_->binary(plan_.options.ws_binary);
    tcp.expires_after(timeout);
    auto [hs] = co_await ws_->async_handshake(plan_.host_header, plan_.options.ws_path, use_tuple);
    if (hs) {
      close();
      co_return classify(hs, ErrorKind::connect) == ErrorKind::timeout ? ErrorKind::timeout
                                                                       : ErrorKind::connect;
    }
    open_ = true;
    co_return std::nullopt;
  }

  asio::awaitable<std::optional<ErrorKind>> send(std::span<const Ticket> batch,
                                                 Clock::duration timeout) override {
    beast::get_lowest_layer(*ws_).expires_after(timeout);
    for (std::size_t i = 0; i < batch.size(); ++i) {
      auto [ec, n] = co_await ws_->async_write(asio::buffer(plan_.options.ws_message), use_tuple);
      if (ec) co_return classify(ec, ErrorKind::write);
    }
    messages_ += batch.size();
    co_return std::nullopt;
  }

  asio::awaitable<Reply> receive(const Ticket&, Clock::time_point deadline) override {
    beast::get_lowest_layer(*ws_).expires_at(deadline);
    auto [ec, n] = co_await ws_->async_read(buffer_, use_tuple);
    Reply reply;
    if (ec) {
      reply.error = classify(ec, ErrorKind::read);
      co_return reply;
    }
    buffer_.consume(buffer_.size());
    reply.bytes = n;
    co_return reply;
  }

  void close() override {
    open_ = false;
    if (!ws_) return;
    beast::error_code ec;
    auto& tcp = beast::get_lowest_layer(*ws_);
    tcp.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    tcp.close();
  }

  bool retire() const override {
    const auto limit = plan_.options.ws_messages_per_connection;
    return limit != 0 && messages_ >= limit;
  }

  asio::awaitable<void> finish(Clock::duration timeout) override {
    beast::get_lowest_layer(*ws_).expires_after(timeout);
    co_await ws_->async_close(websocket::close_code::normal, use_tuple);
    close();
  }

 private:
  const Plan& plan_;
  asio::any_io_executor executor_;
  std::optional<websocket::stream<beast::tcp_stream>> ws_;
  beast::flat_buffer buffer_;
  std::uint64_t messages_ = 0;
  bool open_ = false;  // ws::stream::is_open() lags a closed socket
};

}  // namespace

std::unique_ptr<Transport> make_ws_transport(const asio::any_io_executor& executor, const Plan& plan) {
  return std::make_unique<WsTransport>(executor, plan);
}

}  // namespace hookd::load
