#include "admin_session.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/dispatch.hpp>

#include "error_response.hpp"

namespace hookd::server {

namespace beast = boost::beast;

void AdminSession::read() {
  parser_.emplace();
  parser_->header_limit(16 * 1024);
  parser_->body_limit(kMaxPluginBytes);
  stream_.expires_after(timeout_);
  http::async_read(stream_, buffer_, *parser_,
                   [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
}

void AdminSession::on_read(beast::error_code ec) {
  const std::string id = ids_.next();
  res_ = {};
  res_.version(11);
  res_.set("X-Request-Id", id);
  if (ec) {
    if (ec == http::error::body_limit) {
      set_error(res_, http::status::payload_too_large, {"plugin larger than 64 MiB", {}, {}, id});
    } else if (ec == http::error::header_limit) {
      set_error(res_, http::status::request_header_fields_too_large, {"request header too large", {}, {}, id});
    } else if (parser_->got_some() && ec != beast::error::timeout && ec != http::error::end_of_stream) {
      set_error(res_, http::status::bad_request, {"malformed request", {}, {}, id});
    } else {
      beast::error_code ignored;
      stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
      return;
    }
    return write(true);
  }
  HttpRequest& req = parser_->get();
  res_.version(req.version());
  // A PUT completes from the plugin loader's thread: back to this
  // session's executor before touching the stream.
  api_.handle(req, res_, id, [self = shared_from_this(), id] {
    boost::asio::dispatch(self->stream_.get_executor(), [self, id] { self->on_handled(id); });
  });
}

void AdminSession::on_handled(const std::string& id) {
  HttpRequest& req = parser_->get();
  spdlog::info("admin {} \"{} {}\" {}", id, std::string_view(req.method_string()), std::string_view(req.target()),
               res_.result_int());
  write(!req.keep_alive());
}

void AdminSession::write(bool close_after) {
  res_.keep_alive(!close_after);
  res_.prepare_payload();
  stream_.expires_after(timeout_);
  http::async_write(stream_, res_, [self = shared_from_this(), close_after](beast::error_code ec, std::size_t) {
    if (ec || close_after) {
      beast::error_code ignored;
      self->stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
      return;
    }
    self->read();
  });
}

}  // namespace hookd::server
