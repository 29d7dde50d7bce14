#include "http_transport.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <vector>

namespace hookd::load {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::uint32_t kHeaderLimit = 64 << 10;

class HttpTransport final : public Transport {
 public:
  HttpTransport(const asio::any_io_executor& executor, const Plan& plan) : plan_(plan), stream_(executor) {}

  bool is_open() const override { return stream_.socket().is_open(); }

  asio::awaitable<std::optional<ErrorKind>> connect(Clock::duration timeout) override {
    buffer_.clear();
    stream_.expires_after(timeout);
    auto [ec, endpoint] = co_await stream_.async_connect(plan_.endpoints, use_tuple);
    if (ec) {
      close();
      co_return ec == beast::error::timeout ? ErrorKind::timeout : ErrorKind::connect;
    }
    stream_.socket().set_option(asio::ip::tcp::no_delay(true), ec);
    co_return std::nullopt;
  }

  asio::awaitable<std::optional<ErrorKind>> send(std::span<const Ticket> batch,
                                                 Clock::duration timeout) override {
    buffers_.clear();
    for (const auto& t : batch) buffers_.push_back(asio::buffer(plan_.wire_requests[t.kind]));
    stream_.expires_after(timeout);
    auto [ec, n] = co_await asio::async_write(stream_, buffers_, use_tuple);
    if (ec) co_return classify(ec, ErrorKind::write);
    co_return std::nullopt;
  }

  asio::awaitable<Reply> receive(const Ticket& ticket, Clock::time_point deadline) override {
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    parser_->body_limit(plan_.options.max_response_bytes);
    if (plan_.head_requests[ticket.kind]) parser_->skip(true);
    stream_.expires_at(deadline);
    auto [ec, n] = co_await http::async_read(stream_, buffer_, *parser_, use_tuple);
    Reply reply;
    if (ec) {
      reply.error = classify(ec, ErrorKind::read);
      co_return reply;
    }
    const auto& res = parser_->get();
    reply.status = static_cast<int>(res.result_int());
    reply.bytes = n;
    reply.keep_alive = res.keep_alive();
    co_return reply;
  }

  void close() override {
    beast::error_code ec;
    stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    stream_.close();
  }

 private:
  const Plan& plan_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::string_body>> parser_;
  std::vector<asio::const_buffer> buffers_;
};

}  // namespace

std::unique_ptr<Transport> make_http_transport(const asio::any_io_executor& executor, const Plan& plan) {
  return std::make_unique<HttpTransport>(executor, plan);
}

}  // namespace hookd::load
