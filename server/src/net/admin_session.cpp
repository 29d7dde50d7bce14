#include "net/admin_session.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/beast/core/read_size.hpp>

#include "admin/ui_handler.hpp"
#include "hookd/util/ascii.hpp"
#include "net/error_response.hpp"
#include "observability/log_escape.hpp"

namespace hookd::server {

namespace beast = boost::beast;

namespace {

// The admin header limit: a token, settings JSON and a sha256 fit easily.
constexpr std::uint32_t kAdminHeaderLimit = 16 * 1024;

bool expects_continue(const HttpRequest& req) {
  const std::string_view expect = req[http::field::expect];
  return util::iequals(expect, "100-continue");
}

// The target as the admin log shows it: the path only (a query string may
// carry values an operator did not mean to log), escaped like every
// client-controlled byte that reaches a log line.
std::string logged_path(std::string_view target) { return escape_log_text(without_query(target)); }

}  // namespace

AdminSession::AdminSession(TcpSocket socket, AdminApi& api, const config::LimitsConfig& limits,
                           std::atomic<int64_t>& slots, Metrics& metrics, RequestIdGenerator& ids)
    : stream_(std::move(socket)),
      buffer_(read_buffer_limit(kAdminHeaderLimit)),
      api_(api),
      limits_(limits),
      slots_(slots),
      metrics_(metrics),
      ids_(ids) {}

AdminSession::~AdminSession() {
  if (holds_slot_) slots_.fetch_sub(1, std::memory_order_relaxed);
}

void AdminSession::evict() {
  slots_.fetch_sub(1, std::memory_order_relaxed);
  holds_slot_ = false;
  close();  // its pending operation ends with an error, and the session goes
}

void AdminSession::read_header() {
  parser_.emplace();
  parser_->header_limit(kAdminHeaderLimit);
  // No body limit yet: whether there is a body to read at all is decided once
  // the token has been checked (read_body).
  parser_->body_limit(boost::none);
  chunks_.watch(*parser_, kAdminHeaderLimit);
  header_.reset(kAdminHeaderLimit, limits_.max_header_fields);
  stream_.expires_after(limits_.read_timeout);
  parse_header();
}

void AdminSession::parse_header() {
  while (buffer_.size() > 0) {
    beast::error_code ec;
    const auto data = buffer_.data();
    const std::size_t used = parser_->put(data, ec);
    std::optional<Refusal> over;
    if (!ec || ec == http::error::need_more) {
      over = header_.took(*parser_, {static_cast<const char*>(data.data()), used}, data.size() - used);
    }
    buffer_.consume(used);
    if (over) {
      request_id_ = ids_.next();
      return refuse(*over);
    }
    if (ec == http::error::need_more) break;
    if (ec) return on_header(ec);
    if (header_.done()) return on_header({});
    if (used == 0) break;
  }
  // At most 64 KiB at a time, never past the buffer's limit (request_guard.hpp).
  const std::size_t size = beast::read_size(buffer_, 64 * 1024);
  if (size == 0) return on_header(http::error::buffer_overflow);
  beast::flat_buffer::mutable_buffers_type space;
  try {
    space = buffer_.prepare(size);
  } catch (const std::length_error&) {
    return on_header(http::error::buffer_overflow);
  }
  stream_.async_read_some(space, [self = shared_from_this()](beast::error_code ec, std::size_t bytes) {
    self->on_read_some(ec, bytes);
  });
}

void AdminSession::on_read_some(beast::error_code ec, std::size_t bytes) {
  buffer_.commit(bytes);
  if (ec == boost::asio::error::eof) {
    if (!parser_->got_some()) return on_header(http::error::end_of_stream);
    beast::error_code eof;
    parser_->put_eof(eof);
    return on_header(eof ? eof : beast::error_code(http::error::partial_message));
  }
  if (ec) return on_header(ec);
  parse_header();
}

void AdminSession::on_header(beast::error_code ec) {
  request_id_ = ids_.next();
  if (ec) {
    auto refusal = refusal_for_read_error(ec, parser_->got_some(), false, false);
    return refusal ? refuse(*refusal) : close();
  }
  HttpRequest& req = parser_->get();
  if (auto refusal = check_framing(req, limits_.max_header_fields)) return refuse(*refusal);
  if (is_ui_target(req.target()) && !api_.authorized(req)) {
    // The dashboard's files need no token, and take no body: an anonymous
    // client must not make this listener buffer one.
    if (!parser_->is_done())
      return refuse({http::status::payload_too_large, "the dashboard's files take no body"});
    return on_body({});
  }
  if (!api_.authorized(req)) {
    // Answered without reading the body: the connection closes after this.
    res_ = {};
    res_.version(11);
    res_.set("X-Request-Id", request_id_);
    AdminApi::unauthorized(res_, request_id_);
    spdlog::info("admin {} \"{} {}\" 401 (body not read)", request_id_, std::string_view(req.method_string()),
                 logged_path(req.target()));
    return write(true);
  }
  authorized_ = true;
  const uint64_t max_module = limits_.max_module_bytes;
  if (auto length = parser_->content_length(); length && *length > max_module) {
    return refuse({http::status::payload_too_large, "request body larger than limits.max_module_bytes"});
  }
  parser_->body_limit(max_module);  // for a chunked body
  if (!parser_->is_done() && expects_continue(req)) {
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    stream_.expires_after(limits_.write_timeout);
    return boost::asio::async_write(stream_, boost::asio::buffer(kContinue),
                                    [self = shared_from_this()](beast::error_code wec, std::size_t) {
                                      if (wec) return self->close();
                                      self->read_body();
                                    });
  }
  read_body();
}

void AdminSession::read_body() {
  stream_.expires_after(limits_.read_timeout);
  http::async_read(stream_, buffer_, *parser_,
                   [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_body(ec); });
}

void AdminSession::on_body(beast::error_code ec) {
  if (ec) {
    auto refusal = refusal_for_read_error(ec, true, true, chunks_.budget_spent());
    if (ec == http::error::body_limit)
      refusal = Refusal{http::status::payload_too_large, "request body larger than limits.max_module_bytes"};
    return refusal ? refuse(*refusal) : close();
  }
  if (chunks_.saw_trailers()) return refuse({http::status::bad_request, "request trailers are not accepted"});
  HttpRequest& req = parser_->get();
  res_ = {};
  res_.version(req.version());
  res_.set("X-Request-Id", request_id_);
  // A PUT completes from the plugin loader's thread: back to this
  // session's executor before touching the stream.
  // Who asks, for the record of an upload's version (the admin API has
  // one token, so its client's address is what tells uploaders apart).
  boost::system::error_code peer_ec;
  const auto peer = stream_.socket().remote_endpoint(peer_ec);
  api_.handle(
      req, res_, request_id_,
      [self = shared_from_this()] {
        boost::asio::dispatch(self->stream_.get_executor(), [self] { self->on_handled(); });
      },
      peer_ec ? std::string() : peer.address().to_string());
}

void AdminSession::on_handled() {
  HttpRequest& req = parser_->get();
  spdlog::info("admin {} \"{} {}\" {}", request_id_, std::string_view(req.method_string()),
               logged_path(req.target()), res_.result_int());
  write(!req.keep_alive());
}

void AdminSession::refuse(const Refusal& refusal) {
  if (refusal.counted_as) metrics_.count_refused_request(Listener::kAdmin, *refusal.counted_as);
  res_ = {};
  res_.version(11);
  res_.set("X-Request-Id", request_id_);
  set_error(res_, refusal.status, {refusal.message, {}, {}, request_id_});
  write(true);
}

void AdminSession::write(bool close_after) {
  res_.keep_alive(!close_after);
  res_.prepare_payload();
  if (parser_ && parser_->is_header_done() && parser_->get().method() == http::verb::head) {
    // HEAD: the length of the GET's body, and no body.
    const size_t n = res_.body().size();
    res_.body().clear();
    res_.content_length(n);
  }
  stream_.expires_after(limits_.write_timeout);
  http::async_write(stream_, res_,
                    [self = shared_from_this(), close_after](beast::error_code ec, std::size_t) {
                      if (ec || close_after) return self->close();
                      self->read_header();
                    });
}

void AdminSession::close() {
  beast::error_code ignored;
  stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
  stream_.socket().close(ignored);
}

}  // namespace hookd::server
