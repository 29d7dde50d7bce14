#include "net/http_session.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/write.hpp>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/websocket.hpp>
#include <charconv>

#include "net/error_response.hpp"
#include "net/field_scan.hpp"
#include "net/kept_buffer.hpp"
#include "net/request_handler.hpp"
#include "net/response_head.hpp"
#include "net/ws_session.hpp"
#include "observability/log_escape.hpp"
#include "observability/request_span.hpp"

namespace hookd::server {

namespace beast = boost::beast;

namespace {

// Beast's verb as the route table's method, so that the method is not
// parsed again from its text. One no route can name (PROPFIND, or one Beast
// does not know) is nullopt, as routing::method_from answers for its text.
std::optional<routing::Method> route_method(http::verb verb) {
  switch (verb) {
    case http::verb::get:
      return routing::Method::get;
    case http::verb::head:
      return routing::Method::head;
    case http::verb::post:
      return routing::Method::post;
    case http::verb::put:
      return routing::Method::put;
    case http::verb::delete_:
      return routing::Method::del;
    case http::verb::patch:
      return routing::Method::patch;
    case http::verb::options:
      return routing::Method::options;
    default:
      return std::nullopt;
  }
}

}  // namespace

HttpSession::TargetPath HttpSession::TargetPath::of(std::string_view target) {
  TargetPath split;
  split.path = without_query(target);
  // Cut at '#' (a client may send one): the route table cuts at '?' only,
  // and a '#' is part of a segment there.
  split.route_path = split.path.size() < target.size() && target[split.path.size()] == '#'
                         ? target.substr(0, target.find('?'))
                         : split.path;
  return split;
}

HttpSession::HttpSession(TcpSocket socket, const PublicServices& services, IoWorker& worker,
                         RequestIdGenerator& ids)
    : socket_(std::move(socket)),
      buffer_(read_buffer_limit(services.limits.max_header_bytes)),
      held_body_(services.requests),
      res_(std::piecewise_construct, std::make_tuple(), std::make_tuple(FieldsAllocator(&arena_))),
      services_(services),
      held_(services.responses),
      worker_(worker),
      ids_(ids) {
  boost::system::error_code ec;
  auto ep = socket_.remote_endpoint(ec);
  if (!ec) peer_ = ep.address().to_string();
  socket_.set_option(boost::asio::ip::tcp::no_delay(true), ec);
}

HttpSession::~HttpSession() {
  worker_.remove_session(this);
  services_.connections.remove();
}

void HttpSession::start() {
  worker_.add_session(this);
  read_request();
}

void HttpSession::drain() {
  draining_ = true;
  // Idle between requests: nothing in flight, close now. A connection that
  // has not sent its first request yet was accepted for one (the last ones
  // taken from the listen queue at drain): it is answered, then closed; the
  // read timeout bounds it.
  if (reading_ && served_ > 0 && !(parser_ && parser_->got_some())) close();
}

void HttpSession::check_timeout(std::chrono::steady_clock::time_point now) {
  if (now <= deadline_) return;
  // Pending operations complete with an error. A client that stopped reading
  // is cut off with a reset, which also drops what the kernel still holds
  // for it; a slow request just closes.
  if (writing_) return abort();
  close();
}

// Ends the last exchange: its request and its response's fields go, so their
// arena can be reset; the two body buffers are kept (when small) for the
// next one.
void HttpSession::recycle() {
  if (parser_) {
    spare_body_ = std::move(parser_->get().body());
    parser_.reset();
  }
  keep_for_reuse(spare_body_);
  held_body_.release();
  std::string body = std::move(res_.body());
  res_ = {};  // keeps its allocator (the arena), holds no field
  keep_for_reuse(body);
  res_.body() = std::move(body);
  arena_.reset();
  target_path_ = {};
}

void HttpSession::read_request() {
  if (draining_) return close();
  recycle();
  parser_.emplace(std::piecewise_construct, std::make_tuple(std::move(spare_body_)),
                  std::make_tuple(FieldsAllocator(&arena_)));
  parser_->header_limit(static_cast<std::uint32_t>(services_.limits.max_header_bytes));
  parser_->body_limit(services_.limits.max_body_bytes);
  // Chunk extensions count against the header limit: they are metadata too.
  chunks_.watch(*parser_, services_.limits.max_header_bytes);
  header_.reset(services_.limits.max_header_bytes, services_.limits.max_header_fields);
  // Between requests of a keep-alive connection the idle timeout applies;
  // once a request has started arriving, the read timeout.
  const auto& limits = services_.limits;
  deadline_ =
      worker_.coarse_now() + (served_ > 0 && buffer_.size() == 0 ? limits.idle_timeout : limits.read_timeout);
  reading_ = true;
  parse_buffered();
}

// As Beast's read_some_op and read_op (boost/beast/http/impl/read.hpp) do,
// with the same errors, so refusal_for_read_error answers alike; unlike
// them it may call on_read before returning, when buffer_ already holds the
// whole request (a pipelined one): on_read only starts asynchronous work.
void HttpSession::parse_buffered() {
  for (;;) {
    // Also with nothing buffered: a header just parsed is answered before
    // its client sends the body.
    if (!reserve_body()) {
      reading_ = false;
      return refuse(
          {http::status::service_unavailable, "too many request bytes being received; retry later"});
    }
    if (buffer_.size() == 0) break;
    beast::error_code ec;
    const auto data = buffer_.data();
    const std::size_t used = parser_->put(data, ec);
    if (!header_.done() && (!ec || ec == http::error::need_more)) {
      // Beast's header_limit alone would let a header of tiny lines grow
      // without end (request_guard.hpp).
      auto over = header_.took(*parser_, {static_cast<const char*>(data.data()), used}, data.size() - used);
      buffer_.consume(used);
      if (over) {
        reading_ = false;
        return refuse(*over);
      }
      if (header_.done() && !on_header()) return;
    } else {
      buffer_.consume(used);
    }
    if (ec == http::error::need_more) break;
    if (ec) return on_read(ec);
    if (parser_->is_done()) return on_read({});
    if (used == 0) break;  // no progress without more bytes
  }
  read_more();
}

// The parser is not eager: the put that completes the header returns before
// any body byte, so the body's reservation comes before its buffer.
bool HttpSession::reserve_body() {
  if (!parser_->is_header_done() || parser_->is_done()) return true;
  // Beast's string body reserves a Content-Length whole at its first byte.
  if (auto length = parser_->content_length()) return held_body_.reserve(*length);
  // Chunked: the body can grow by at most what the buffer holds.
  return held_body_.reserve(parser_->get().body().size() + buffer_.size());
}

bool HttpSession::on_header() {
  HttpRequest& req = parser_->get();
  bool expects_continue = false;
  if (auto refusal = check_framing(req, services_.limits.max_header_fields, &expects_continue)) {
    reading_ = false;
    refuse(*refusal);
    return false;
  }
  // Without the 100 a client such as curl waits a second before it sends
  // the body. Its Content-Length against the body limit is Beast's
  // (body_limit, 413 before this); a call that would be refused (unknown
  // plugin or function, not a POST) is answered now, and the body never read.
  if (!expects_continue || parser_->is_done()) return true;
  bool refused_now = false;
  if (auto target = parse_plugin_target(req.target())) {
    CallResult refused;
    refused_now = req.method() != http::verb::post ||
                  !services_.calls.resolve(worker_, target->plugin, target->fn, {}, refused);
  } else if (const auto split = TargetPath::of(std::string_view(req.target()));
             !services_.routes.serves(split.path)) {
    refused_now = match_route(req, split.route_path) != routing::MatchStatus::found;
  }
  if (refused_now) {
    answered_early_ = true;
    on_read({});
    return false;
  }
  // The body's share of the request budget is taken before the client is
  // told to send it.
  if (!reserve_body()) {
    reading_ = false;
    refuse({http::status::service_unavailable, "too many request bytes being received; retry later"});
    return false;
  }
  write_continue();
  return false;
}

void HttpSession::write_continue() {
  static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
  // Under the request's read deadline: a client that does not read this is
  // closed when it passes.
  boost::asio::async_write(
      socket_, boost::asio::buffer(kContinue),
      with_memory(handler_memory_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
        if (ec) return self->close();
        self->parse_buffered();
      }));
}

void HttpSession::read_more() {
  // At most 64 KiB at a time, and never past the buffer's limit: a header or
  // chunk line that fills it fails with buffer_overflow.
  const std::size_t size = beast::read_size(buffer_, 64 * 1024);
  if (size == 0) return on_read(http::error::buffer_overflow);
  boost::beast::flat_buffer::mutable_buffers_type space;
  try {
    space = buffer_.prepare(size);
  } catch (const std::length_error&) {
    return on_read(http::error::buffer_overflow);
  }
  socket_.async_read_some(space, with_memory(handler_memory_, [self = shared_from_this()](
                                                                  beast::error_code ec, std::size_t bytes) {
                            self->on_read_some(ec, bytes);
                          }));
}

void HttpSession::on_read_some(beast::error_code ec, std::size_t bytes) {
  buffer_.commit(bytes);
  if (ec == boost::asio::error::eof) {
    // A request cut short is the parser's to judge (partial_message); no
    // request at all is the end of the stream.
    if (!parser_->got_some()) return on_read(http::error::end_of_stream);
    beast::error_code eof;
    parser_->put_eof(eof);
    return on_read(eof);
  }
  if (ec) return on_read(ec);
  parse_buffered();
}

void HttpSession::on_read(beast::error_code ec) {
  reading_ = false;
  if (ec) return respond_to_read_error(ec);
  started_ = std::chrono::steady_clock::now();
  ++served_;
  HttpRequest& req = parser_->get();
  if (chunks_.saw_trailers()) return refuse({http::status::bad_request, "request trailers are not accepted"});
  target_path_ = TargetPath::of(std::string_view(req.target()));
  if (beast::websocket::is_upgrade(req)) {
    // To /plugins/<name>/<fn>, or a route's function (one message, one call).
    std::optional<PluginTarget> target = parse_plugin_target(req.target());
    const bool routed = !target && !services_.routes.serves(target_path_.path) &&
                        match_route(req, target_path_.route_path) == routing::MatchStatus::found;
    if (routed) target = PluginTarget{match_.route->plugin, match_.route->function};
    if (target) return upgrade(*target, routed);
  }
  handle();
}

void HttpSession::upgrade(PluginTarget target, bool routed) {
  // A session opened now would be closed again at once: the client should
  // go to another node.
  if (services_.state.draining.load(std::memory_order_relaxed))
    return refuse({http::status::service_unavailable, "draining: reconnect to another node"});
  // The connection becomes a WebSocket session; this object goes away.
  deadline_ = std::chrono::steady_clock::time_point::max();
  closed_ = true;  // the socket now belongs to the WebSocket session
  auto ws = std::make_shared<WsSession>(std::move(socket_), services_, worker_, ids_);
  // A copy, whose fields are on the heap: this session and its arena go.
  // The target's views stay valid through start(), which resolves them.
  ws->start(HttpRequest(parser_->get()), target, routed ? table_ : nullptr);
}

void HttpSession::respond_to_read_error(beast::error_code ec) {
  if (closed_) return close();
  const bool began = parser_ && parser_->got_some();
  const auto refusal =
      refusal_for_read_error(ec, began, parser_ && parser_->is_header_done(), chunks_.budget_spent());
  if (!refusal) return close();
  refuse(*refusal);
}

// An error answer after which the connection closes: what is left of the
// request is never read.
void HttpSession::refuse(const Refusal& refusal) {
  if (refusal.counted_as) services_.metrics.count_refused_request(Listener::kPublic, *refusal.counted_as);
  res_ = {};
  res_.version(11);
  ids_.next(request_id_);
  res_.set("X-Request-Id", request_id_);
  set_error(res_, refusal.status, {refusal.message, {}, {}, request_id_});
  if (refusal.status == http::status::service_unavailable) res_.set(http::field::retry_after, "1");
  res_.keep_alive(false);
  res_.prepare_payload();
  serialize_head(res_, head_);
  write(true);
}

void HttpSession::handle() {
  HttpRequest& req = parser_->get();
  // res_ is fresh (recycle(), before the read), its body buffer kept: a
  // plugin's output is copied into it without an allocation on a warm
  // connection.
  res_.version(req.version());

  std::string_view given_id = field_value(req, "X-Request-Id");
  if (acceptable_request_id(given_id)) {
    request_id_.assign(given_id);
  } else {
    ids_.next(request_id_);
  }
  client_.address.assign(peer_);  // in place: no allocation on a warm buffer
  client_.proto.assign("http");
  if (!services_.trusted_proxies.empty()) {
    client_ = resolve_client(peer_, field_value(req, "X-Forwarded-For"),
                             field_value(req, "X-Forwarded-Proto"), services_.trusted_proxies);
  }
  if (services_.tracer != nullptr) {
    // A tracestate means nothing without a traceparent: not looked up then.
    const std::string_view traceparent = field_value(req, "traceparent");
    services_.tracer->begin(
        traceparent, traceparent.empty() ? std::string_view{} : field_value(req, "tracestate"), trace_);
  }
  labels_ = {};
  services_.recorder.begin(worker_.index());
  if (auto t = parse_plugin_target(req.target())) return call(*t, nullptr);
  if (!services_.routes.serves(target_path_.path)) {
    switch (match_route(req, target_path_.route_path)) {
      case routing::MatchStatus::found:
        return call({match_.route->plugin, match_.route->function}, &match_);
      case routing::MatchStatus::method_not_allowed: {
        std::array<char, 64> allow{};
        labels_.error_kind = "method";
        method_not_allowed(res_, match_.allowed.allow_header(allow), {}, {}, request_id_);
        return finish();
      }
      case routing::MatchStatus::not_found:
        break;
    }
  }
  labels_.error_kind = services_.routes.handle(request_id_, req, res_);
  finish();
}

routing::MatchStatus HttpSession::match_route(const HttpRequest& req, std::string_view path) {
  const std::shared_ptr<const routing::RouteTable>& table = worker_.routes();
  if (table->size() == 0) return routing::MatchStatus::not_found;
  // The Host header only matters to a table with host routes.
  const std::string_view host =
      table->names_hosts() ? field_value(req, http::field::host) : std::string_view{};
  const auto status = table->match_path(route_method(req.method()), host, path, match_);
  // Most requests find the table already held: no reference count taken.
  if (status == routing::MatchStatus::found && table_ != table) table_ = table;
  return status;
}

void HttpSession::call(PluginTarget target, const routing::Match* match) {
  HttpRequest& req = parser_->get();
  CallDispatcher& calls = services_.calls;
  CallResult out;
  out.body = std::move(res_.body());  // reuses the response's buffer (see handle)
  const VersionHints hints{
      .request = &req, .client = client_.address, .honour_override = services_.version_override};
  auto route = calls.resolve(worker_, target.plugin, target.fn, request_id_, out,
                             CallDispatcher::Lookup::kNamed, &hints);
  if (!route) return respond(out);
  // /plugins/<name>/<fn> takes POST only; a route, the methods it names.
  if (match == nullptr && req.method() != http::verb::post) {
    res_.body() = std::move(out.body);
    labels_ = {route->plugin(), route->fn->name, "method", route->stats, route->bound->entry->upload_version};
    method_not_allowed(res_, "POST", labels_.plugin, labels_.fn, request_id_);
    return finish();
  }
  exchange_.begin(req, client_.address, match);
  if (match != nullptr) trace_.route = match->route->path;
  const CallRequest call{target.plugin,
                         target.fn,
                         req.body(),
                         field_value(req, http::field::content_type),
                         wanted_encoding(req),
                         request_id_,
                         started_,
                         exchange_.request(),
                         exchange_.response(),
                         trace_.active ? &trace_ : nullptr};
  if (calls.dispatch(worker_, *route, call, *this, out)) return respond(out);
  // The call continues in the blocking lane (which has its own deadline) or
  // waits at its plugin's worker share; the request (and its body) stays in
  // parser_ until call_done: nothing reads the connection meanwhile.
  deadline_ = std::chrono::steady_clock::time_point::max();
}

void HttpSession::call_done(CallResult& result) { respond(result); }

std::shared_ptr<CallSink> HttpSession::keep_alive() { return shared_from_this(); }

void HttpSession::respond(CallResult& result) {
  res_.result(result.status);
  res_.body() = std::move(result.body);
  labels_ = {result.plugin, result.fn, result.error_kind, result.stats, result.version};
  std::string_view served_version;
  if (services_.version_header && result.version != 0) {
    const auto end =
        std::to_chars(version_text_.data(), version_text_.data() + version_text_.size(), result.version).ptr;
    served_version = {version_text_.data(), static_cast<size_t>(end - version_text_.data())};
  }
  // A HEAD answer (a call needs POST, but an unknown plugin is answered
  // for any method) and a status without a Content-Length take Beast's rules.
  // And an answer with the plugin's own headers.
  if (result.plugin_headers || !call_head_applies(result.status) ||
      parser_->get().method() == http::verb::head) {
    res_.set(http::field::content_type, result.content_type);
    if (result.retry_after) res_.set(http::field::retry_after, "1");
    if (result.plugin_headers) add_plugin_headers();
    if (!served_version.empty()) res_.set(kVersionHeader, served_version);
    return finish();
  }
  // A call's answer has a fixed set of fields: its head is written straight
  // from them, with no fields container (response_head.hpp).
  const bool close_after = record_exchange();
  serialize_call_head({.version = res_.version(),
                       .status = result.status,
                       .content_type = result.content_type,
                       .retry_after = result.retry_after,
                       .request_id = request_id_,
                       .keep_alive = !close_after,
                       .content_length = res_.body().size(),
                       .served_version = served_version},
                      head_);
  write(close_after);
}

// Checked by the sink as the plugin set them (no CR/LF/NUL, tokens, none
// of the framing headers, bounded); Content-Type is the result's.
void HttpSession::add_plugin_headers() {
  for (const auto& h : exchange_.sink().headers()) {
    const std::string_view name = h.name;
    if (engine::header_name_equal(name, "content-type")) continue;
    res_.insert(name, std::string_view(h.value));
  }
}

void HttpSession::finish() {
  res_.set("X-Request-Id", request_id_);
  const bool close_after = record_exchange();
  res_.keep_alive(!close_after);
  res_.prepare_payload();
  if (parser_->get().method() == http::verb::head) {
    const size_t n = res_.body().size();
    res_.body().clear();
    res_.content_length(n);
  }
  serialize_head(res_, head_);
  write(close_after);
}

bool HttpSession::record_exchange() {
  HttpRequest& req = parser_->get();
  const auto elapsed = std::chrono::steady_clock::now() - started_;
  AccessRecord line{.client = client_.address,
                    .method = std::string_view(req.method_string()),
                    .target = target_path_.path,
                    .plugin = labels_.plugin,
                    .fn = labels_.fn,
                    .version = labels_.version,
                    .trace = trace_.sampled() ? &trace_.ctx : nullptr};
  services_.recorder.end({.worker = worker_.index(),
                          .counted = true,
                          .status = static_cast<int>(res_.result_int()),
                          .error_kind = labels_.error_kind,
                          .plugin = labels_.plugin,
                          .fn = labels_.fn,
                          .stats = labels_.stats,
                          .request_id = request_id_,
                          .body = res_.body(),
                          .elapsed = std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed),
                          .access = &line});
  if (trace_.sampled()) {
    record_request_span(trace_, {.method = line.method,
                                 .path = target_path_.path,
                                 .host = field_value(req, http::field::host),
                                 .client = client_.address,
                                 .user_agent = field_value(req, http::field::user_agent),
                                 .http_version = static_cast<int>(req.version()),
                                 .status = static_cast<int>(res_.result_int()),
                                 .plugin = labels_.plugin,
                                 .fn = labels_.fn,
                                 .request_id = request_id_});
  }
  trace_.active = false;
  // The labels may view a call's result, gone after this.
  labels_ = {};
  return answered_early_ || !req.keep_alive() || draining_ ||
         services_.state.draining.load(std::memory_order_relaxed);
}

void HttpSession::write(bool close_after) {
  deadline_ = worker_.coarse_now() + services_.limits.write_timeout;
  writing_ = true;
  held_.hold(res_.body().size());
  const std::array<boost::asio::const_buffer, 2> out{boost::asio::buffer(head_),
                                                     boost::asio::buffer(res_.body())};
  boost::asio::async_write(socket_, out,
                           with_memory(handler_memory_, [self = shared_from_this(), close_after](
                                                            beast::error_code ec, std::size_t) {
                             self->on_write(ec, close_after);
                           }));
}

void HttpSession::on_write(beast::error_code ec, bool close_after) {
  deadline_ = std::chrono::steady_clock::time_point::max();
  writing_ = false;
  held_.release();
  if (ec || close_after) return close();
  read_request();
}

void HttpSession::close() {
  if (closed_) return;
  closed_ = true;
  deadline_ = std::chrono::steady_clock::time_point::max();
  beast::error_code ec;
  socket_.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
}

void HttpSession::abort() {
  if (closed_) return;
  beast::error_code ec;
  socket_.set_option(boost::asio::socket_base::linger(true, 0), ec);  // close sends a reset
  closed_ = true;
  deadline_ = std::chrono::steady_clock::time_point::max();
  socket_.close(ec);
}

}  // namespace hookd::server
