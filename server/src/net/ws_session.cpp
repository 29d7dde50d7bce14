#include "net/ws_session.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>

#include "hookd/util/utf8.hpp"
#include "net/client_address.hpp"
#include "net/field_scan.hpp"
#include "net/kept_buffer.hpp"
#include "net/request_handler.hpp"

namespace hookd::server {

namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;

// A Sec-WebSocket-Key is 16 bytes in base64 (RFC 6455, 4.1); Beast keeps at
// most this many characters of one.
constexpr std::size_t kWebSocketKeyChars = 24;

namespace {

// The close_reason of a session's access line and the reason label of
// hookd_websocket_sessions_closed_total: why it ended. Each is one of
// kWsCloseReasons (metrics.hpp).
namespace why {
constexpr std::string_view kClientClose = kWsCloseReasons[0];    // the client sent a close frame
constexpr std::string_view kClientGone = kWsCloseReasons[1];     // the connection ended without one
constexpr std::string_view kIdleTimeout = kWsCloseReasons[2];    // limits.ws_idle_timeout
constexpr std::string_view kWriteTimeout = kWsCloseReasons[3];   // the client stopped reading replies
constexpr std::string_view kDrain = kWsCloseReasons[4];          // the gateway is stopping
constexpr std::string_view kPluginRemoved = kWsCloseReasons[5];  // or its function: 1001
constexpr std::string_view kError = kWsCloseReasons[6];          // a call failed: 4000 + its status
constexpr std::string_view kTooBig = kWsCloseReasons[7];         // limits.ws_max_message_bytes: 1009
constexpr std::string_view kOverload = kWsCloseReasons[8];       // the request budget: 1013
constexpr std::string_view kRefused = kWsCloseReasons[9];        // the upgrade was answered with an error
constexpr std::string_view kProtocol = kWsCloseReasons[10];      // a frame Beast refused
}  // namespace why

// RFC 6455, 7.4.1: the code that stands for "closed without a close frame";
// never sent, only reported.
constexpr int kNoCloseFrame = 1006;

}  // namespace

WsSession::WsSession(TcpSocket socket, const PublicServices& services, IoWorker& worker,
                     RequestIdGenerator& ids)
    : ws_(std::move(socket)),
      held_message_(services.requests),
      services_(services),
      held_(services.responses),
      worker_(worker),
      ids_(ids),
      held_upgrade_(services.requests) {
  // The connection was counted at accept and uncounted when the HttpSession
  // that upgraded it went away; count it again for as long as this session
  // lives, since the destructor uncounts it.
  services_.connections.add();
  boost::system::error_code ec;
  auto ep = beast::get_lowest_layer(ws_).socket().remote_endpoint(ec);
  if (!ec) peer_ = ep.address().to_string();
}

WsSession::~WsSession() {
  worker_.remove_session(this);
  write_session_line();
  services_.connections.remove();
}

void WsSession::ended(int close_code, std::string_view why) {
  if (!totals_.close_reason.empty()) return;
  totals_.close_code = close_code;
  totals_.close_reason = why;
}

// The session's one access line, and it leaves the open sessions gauge. From
// the destructor: it runs on every way a session ends, on the worker's
// thread, or on the thread that stops the gateway.
void WsSession::write_session_line() {
  if (accepted_) services_.recorder.websocket_session(worker_.index(), -1);
  ended(kNoCloseFrame, why::kClientGone);
  const std::string_view method(upgrade_.method_string().data(), upgrade_.method_string().size());
  std::string_view path(upgrade_.target().data(), upgrade_.target().size());
  path = path.substr(0, path.find('?'));
  const AccessRecord line{
      .request_id = session_id_,
      .client = client_,
      .method = method,
      .target = path,
      .status = status_,
      .bytes = totals_.bytes_out,
      .duration_us =
          std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - opened_)
              .count(),
      .plugin = plugin_,
      .fn = fn_,
      .websocket = &totals_,
  };
  services_.recorder.websocket_session_ended(worker_.index(), line);
}

namespace {

// What a kept request holds: its fields and target (the string_body of an
// upgrade is empty).
uint64_t request_bytes(const HttpRequest& req) {
  uint64_t n = req.target().size() + req.method_string().size();
  for (const auto& f : req) n += f.name_string().size() + f.value().size();
  return n;
}

}  // namespace

void WsSession::start(HttpRequest request, PluginTarget target,
                      std::shared_ptr<const routing::RouteTable> routes) {
  worker_.add_session(this);
  opened_ = std::chrono::steady_clock::now();
  upgrade_ = std::move(request);
  const HttpRequest& upgrade = upgrade_;
  std::string_view given = upgrade["X-Request-Id"];
  session_id_ = acceptable_request_id(given) ? std::string(given) : ids_.next();
  client_ = peer_;
  if (!services_.trusted_proxies.empty()) {
    client_ = resolve_client(peer_, upgrade["X-Forwarded-For"], upgrade["X-Forwarded-Proto"],
                             services_.trusted_proxies)
                  .address;
  }
  CallResult error;
  auto route = services_.calls.resolve(worker_, target.plugin, target.fn, session_id_, error);
  if (!route) return reject(error);
  if (!held_upgrade_.reserve(request_bytes(upgrade_))) {
    return reject(http::status::service_unavailable, "overload",
                  "too many request bytes being received; retry later");
  }
  // The same lookup the HTTP session made, now with views into this copy.
  if (routes) {
    routed_ = routes->match({upgrade_.method_string().data(), upgrade_.method_string().size()},
                            field_value(upgrade_, http::field::host),
                            {upgrade_.target().data(), upgrade_.target().size()},
                            match_) == routing::MatchStatus::found;
    if (routed_) route_table_ = std::move(routes);
  }
  // The handshakes Beast's accept would refuse are refused here, so that the
  // answer is hookd's like every other error (Beast's names Beast in a
  // Server field). is_upgrade and check_framing have checked the method,
  // version, Host, Connection and Upgrade already.
  if (const std::string_view key = field_value(upgrade, http::field::sec_websocket_key);
      key.empty() || key.size() > kWebSocketKeyChars) {
    return reject(http::status::bad_request, "bad_request", "missing or malformed Sec-WebSocket-Key");
  }
  if (field_value(upgrade, http::field::sec_websocket_version) != "13") {
    return reject(http::status::upgrade_required, "bad_request", "only WebSocket version 13 is supported");
  }
  plugin_ = route->plugin();
  fn_ = route->fn->name;
  seen_generation_ = services_.registry.generation();

  const auto& limits = services_.limits;
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = std::chrono::seconds(10);
  timeouts.idle_timeout = limits.ws_idle_timeout;
  timeouts.keep_alive_pings = limits.ws_ping_interval.count() > 0;
  ws_.set_option(timeouts);
  ws_.read_message_max(limits.ws_max_message_bytes);
  websocket::permessage_deflate pmd;
  pmd.server_enable = limits.ws_permessage_deflate;
  ws_.set_option(pmd);
  const std::string id = session_id_;
  ws_.set_option(websocket::stream_base::decorator([id](websocket::response_type& res) {
    res.set("X-Request-Id", id);
    // Beast adds its own name to a 101 without a Server field.
    res.set(http::field::server, "hookd");
  }));
  status_ = static_cast<int>(http::status::switching_protocols);
  ws_.async_accept(upgrade_, [self = shared_from_this()](beast::error_code ec) {
    if (ec) return self->ended(kNoCloseFrame, why::kClientGone);
    self->accepted_ = true;
    self->services_.recorder.websocket_session(self->worker_.index(), +1);
    if (self->closing_) {
      self->ended(static_cast<int>(websocket::close_code::going_away), why::kDrain);
      self->ws_.async_close(websocket::close_code::going_away, [self](beast::error_code) {});
      return;
    }
    self->read();
  });
}

void WsSession::reject(http::status status, std::string_view kind, std::string_view message) {
  CallResult error;
  call_error(error, status, kind, message, {}, {}, session_id_);
  reject(error);
}

void WsSession::reject(CallResult& error) {
  status_ = static_cast<int>(error.status);
  ended(0, why::kRefused);
  rejection_.version(11);
  rejection_.set("X-Request-Id", session_id_);
  rejection_.result(error.status);
  rejection_.set(http::field::content_type, error.content_type);
  if (error.status == http::status::upgrade_required)
    rejection_.set(http::field::sec_websocket_version, "13");
  rejection_.body() = std::move(error.body);
  rejection_.keep_alive(false);
  rejection_.prepare_payload();
  auto& stream = beast::get_lowest_layer(ws_);
  stream.expires_after(std::chrono::seconds(10));
  http::async_write(stream, rejection_, [self = shared_from_this()](beast::error_code, std::size_t) {
    beast::error_code ec;
    beast::get_lowest_layer(self->ws_).socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
  });
}

void WsSession::drain() {
  if (closing_) return;
  closing_ = true;
  if (!accepted_) return;
  ended(static_cast<int>(websocket::close_code::going_away), why::kDrain);
  ws_.async_close(websocket::close_code::going_away, [self = shared_from_this()](beast::error_code) {});
}

void WsSession::check_timeout(std::chrono::steady_clock::time_point now) {
  // The sweeper's tick also ends sessions whose plugin was removed or
  // replaced by a version without their function: an idle session would
  // otherwise stay open until its idle timeout.
  if (accepted_ && !closing_) close_if_plugin_gone();
  if (now <= write_deadline_) return;
  // The client stopped reading its replies: reset the connection, which also
  // drops what the kernel still holds for it. The pending write fails.
  write_deadline_ = std::chrono::steady_clock::time_point::max();
  ended(kNoCloseFrame, why::kWriteTimeout);
  auto& socket = beast::get_lowest_layer(ws_).socket();
  beast::error_code ec;
  socket.set_option(boost::asio::socket_base::linger(true, 0), ec);
  socket.close(ec);
}

void WsSession::read() {
  // The last message goes back to the budget, and its buffer too when it
  // grew past what an idle session keeps.
  buffer_.clear();
  if (buffer_.capacity() > kKeptBufferBytes) buffer_.shrink_to_fit();
  held_message_.release();
  read_part();
}

// The first read of a message is Beast's first frame read (at most 1,536
// bytes), within what an idle session keeps: an idle session holds none of
// the budget. Every later read reserves, before Beast buffers it, all it
// can add.
void WsSession::read_part() {
  std::size_t limit = kKeptBufferBytes;
  if (!ws_.is_message_done()) {
    limit = kWsMessagePart;
    if (!held_message_.reserve(buffer_.size() + limit)) {
      // The message will not be answered: its bytes go now, not after the
      // close handshake.
      buffer_.clear();
      buffer_.shrink_to_fit();
      held_message_.release();
      ++totals_.errors;
      close(websocket::close_code::try_again_later, "too many request bytes being received", why::kOverload);
      return;
    }
  }
  ws_.async_read_some(
      buffer_, limit,
      with_memory(handler_memory_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
        if (ec) return self->on_read(ec);
        self->held_message_.settle(self->buffer_.size());
        if (!self->ws_.is_message_done()) return self->read_part();
        self->on_read(ec);
      }));
}

void WsSession::on_read(beast::error_code ec) {
  if (ec) return on_read_error(ec);
  started_ = std::chrono::steady_clock::now();
  ++totals_.messages_in;
  totals_.bytes_in += buffer_.size();
  ids_.next(request_id_);
  // Counted on this session's thread (the shard is per I/O worker) until the
  // reply is on its way.
  services_.recorder.begin(worker_.index());
  CallDispatcher& calls = services_.calls;
  const std::string_view body(static_cast<const char*>(buffer_.data().data()), buffer_.size());
  const bool text = ws_.got_text();
  exchange_.begin(upgrade_, client_, routed_ ? &match_ : nullptr);
  // Text messages are JSON; binary ones are taken as the function declares.
  const CallRequest call{plugin_,
                         fn_,
                         body,
                         text ? "application/json" : "application/octet-stream",
                         text ? Encoding::kJson : Encoding::kAsDeclared,
                         request_id_,
                         started_,
                         exchange_.request(),
                         nullptr};
  CallResult out;
  // The last reply's buffer (written by now) takes this one's output: no
  // allocation on a warm session.
  out.body = std::move(reply_);  // emptied by on_write (kept_buffer.hpp)
  // Looked up again for each message: the plugin may have been replaced or
  // removed while the session was open.
  auto route = calls.resolve(worker_, plugin_, fn_, request_id_, out, CallDispatcher::Lookup::kAgain);
  // Otherwise the message stays in buffer_ (nothing is read until the reply).
  if (route && !calls.dispatch(worker_, *route, call, *this, out)) return;
  reply(out);
}

// The session is over: the client closed it, the connection dropped or timed
// out, a message was too big (Beast closes with 1009) or malformed (Beast
// closes with the code of the fault), or our own close ended the read.
void WsSession::on_read_error(beast::error_code ec) {
  if (ec == websocket::error::closed) return ended(static_cast<int>(ws_.reason().code), why::kClientClose);
  if (ec == beast::error::timeout) return ended(kNoCloseFrame, why::kIdleTimeout);
  if (ec == websocket::error::message_too_big) {
    ++totals_.errors;
    return ended(static_cast<int>(websocket::close_code::too_big), why::kTooBig);
  }
  if (ec.category() == make_error_code(websocket::error::closed).category()) {
    ++totals_.errors;
    return ended(static_cast<int>(websocket::close_code::protocol_error), why::kProtocol);
  }
  ended(kNoCloseFrame, why::kClientGone);
}

void WsSession::call_done(CallResult& result) { reply(result); }

std::shared_ptr<CallSink> WsSession::keep_alive() { return shared_from_this(); }

void WsSession::reply(CallResult& out) {
  const auto elapsed = std::chrono::steady_clock::now() - started_;
  AccessRecord line{.client = client_, .method = "WS", .plugin = plugin_, .fn = fn_, .session = session_id_};
  // Each message's own line only when asked for (log.websocket_messages);
  // the session's line counts them either way.
  AccessRecord* message_line = services_.recorder.logs_websocket_messages() ? &line : nullptr;
  services_.recorder.end({.worker = worker_.index(),
                          .counted = true,
                          .status = static_cast<int>(out.status),
                          .error_kind = out.error_kind,
                          .plugin = out.plugin,
                          .fn = out.fn,
                          .stats = out.stats,
                          .request_id = request_id_,
                          .body = out.body,
                          .elapsed = std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed),
                          .access = message_line});
  if (!out.error_kind.empty()) {
    ++totals_.errors;
    return close_with_error(out);
  }
  reply_ = std::move(out.body);
  const bool reply_text = !out.error_kind.empty() || out.content_type == "application/json" ||
                          out.content_type.starts_with("text/");
  ws_.text(reply_text);
  held_.hold(reply_.size());
  write_deadline_ = worker_.coarse_now() + services_.limits.write_timeout;
  ws_.async_write(
      boost::asio::buffer(reply_),
      with_memory(handler_memory_,
                  [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); }));
}

// A failed call ends the session with close code 4000 + its HTTP status
// (4400 bad input, 4404 gone, 4413 too large, 4500 plugin error, 4503 busy,
// 4504 deadline) and the error message as the close reason, so an error can
// never be mistaken for a function's output (the convention graphql-ws
// uses).
void WsSession::close_with_error(const CallResult& out) {
  std::string message;
  boost::system::error_code ec;
  const auto parsed = boost::json::parse(out.body, ec);
  if (!ec && parsed.is_object()) {
    if (const auto* m = parsed.as_object().if_contains("error"); m != nullptr && m->is_string()) {
      message = std::string(m->as_string());
    }
  }
  const auto code = static_cast<websocket::close_code>(4000 + static_cast<unsigned>(out.status));
  held_message_.release();  // the call is over: its message no longer counts
  close(code, message, why::kError);
}

std::string_view ws_close_reason(std::string_view message) {
  constexpr size_t kMaxReason = 123;              // RFC 6455: a control frame's payload is at most 125 bytes
  return util::utf8_prefix(message, kMaxReason);  // stays valid UTF-8
}

void WsSession::close(websocket::close_code code, std::string_view reason, std::string_view why) {
  if (closing_) return;  // one close per session: the first reason stands
  closing_ = true;
  ended(static_cast<int>(code), why);
  ws_.async_close(websocket::close_reason(code, ws_close_reason(reason)),
                  [self = shared_from_this()](beast::error_code) {});
}

void WsSession::close_if_plugin_gone() {
  const uint64_t generation = services_.registry.generation();
  if (generation == seen_generation_) return;
  seen_generation_ = generation;
  const auto catalog = services_.registry.snapshot();
  const PluginEntry* entry = catalog->find(plugin_);
  if (entry != nullptr && entry->module->find_function(fn_) != nullptr) return;
  spdlog::info("websocket session {} on {}/{} closed: the plugin or function was removed", session_id_,
               plugin_, fn_);
  close(websocket::close_code::going_away, "plugin or function removed", why::kPluginRemoved);
}

void WsSession::on_write(beast::error_code ec) {
  write_deadline_ = std::chrono::steady_clock::time_point::max();
  held_.release();
  if (ec) {
    keep_for_reuse(reply_);
    return ended(kNoCloseFrame, why::kClientGone);
  }
  ++totals_.messages_out;
  totals_.bytes_out += reply_.size();
  keep_for_reuse(reply_);
  if (closing_ || services_.state.draining.load()) {
    if (!closing_) close(websocket::close_code::going_away, {}, why::kDrain);
    return;
  }
  read();
}

}  // namespace hookd::server
