#include "ws_session.hpp"

#include <spdlog/spdlog.h>

#include "error_response.hpp"
#include "blocking_pool.hpp"
#include "request_handler.hpp"
#include "worker_share.hpp"

namespace hookd::server {

namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;

WsSession::WsSession(TcpSocket socket, ServerContext& server, IoWorker& worker, RequestIdGenerator& ids)
    : ws_(std::move(socket)),
      server_(server),
      held_(server.buffered_response_bytes),
      worker_(worker),
      ids_(ids) {
  // The connection was counted at accept and uncounted when the HttpSession
  // that upgraded it went away; count it again for as long as this session
  // lives, since the destructor uncounts it.
  server_.connections.fetch_add(1, std::memory_order_relaxed);
  boost::system::error_code ec;
  auto ep = beast::get_lowest_layer(ws_).socket().remote_endpoint(ec);
  if (!ec) peer_ = ep.address().to_string();
}

WsSession::~WsSession() {
  worker_.remove_session(this);
  server_.connections.fetch_sub(1, std::memory_order_relaxed);
}

void WsSession::start(HttpRequest upgrade) {
  worker_.add_session(this);
  std::string_view given = upgrade["X-Request-Id"];
  session_id_ = acceptable_request_id(given) ? std::string(given) : ids_.next();
  client_ = peer_;
  if (!server_.config.server.trusted_proxies.empty()) {
    client_ = resolve_client(peer_, upgrade["X-Forwarded-For"], upgrade["X-Forwarded-Proto"],
                             server_.config.server.trusted_proxies)
                  .address;
  }
  auto target = parse_plugin_target(upgrade.target());
  BoundPlugin* bp = target ? worker_.resolve(target->plugin) : nullptr;
  if (bp == nullptr) return reject(http::status::not_found, "unknown plugin");
  plugin_ = bp->entry->name;
  if (bp->entry->module->find_function(target->fn) == nullptr) {
    return reject(http::status::not_found, "unknown function");
  }
  fn_ = std::string(target->fn);

  const auto& limits = server_.config.limits;
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
  ws_.set_option(websocket::stream_base::decorator(
      [id](websocket::response_type& res) { res.set("X-Request-Id", id); }));
  ws_.async_accept(upgrade, [self = shared_from_this()](beast::error_code ec) {
    if (ec) return;
    self->accepted_ = true;
    if (self->closing_) {
      self->ws_.async_close(websocket::close_code::going_away, [self](beast::error_code) {});
      return;
    }
    self->read();
  });
}

void WsSession::reject(http::status status, std::string_view message) {
  rejection_.version(11);
  rejection_.set("X-Request-Id", session_id_);
  set_error(rejection_, status, {message, plugin_, fn_, session_id_});
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
  ws_.async_close(websocket::close_code::going_away, [self = shared_from_this()](beast::error_code) {});
}

void WsSession::check_timeout(std::chrono::steady_clock::time_point now) {
  if (now <= write_deadline_) return;
  // The client stopped reading its replies: reset the connection, which also
  // drops what the kernel still holds for it. The pending write fails.
  write_deadline_ = std::chrono::steady_clock::time_point::max();
  auto& socket = beast::get_lowest_layer(ws_).socket();
  beast::error_code ec;
  socket.set_option(boost::asio::socket_base::linger(true, 0), ec);
  socket.close(ec);
}

void WsSession::read() {
  buffer_.clear();
  ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
}

void WsSession::on_read(beast::error_code ec) {
  if (ec) return;  // closed, timed out, or too big (Beast closes with 1009)
  started_ = std::chrono::steady_clock::now();
  request_id_ = ids_.next();
  run_message();
}

void WsSession::run_message() {
  const std::string_view body(static_cast<const char*>(buffer_.data().data()), buffer_.size());
  const bool text = ws_.got_text();
  const std::string_view content_type = text ? "application/json" : "application/octet-stream";
  const Encoding want = text ? Encoding::kJson : Encoding::kAsDeclared;

  CallOutcome out;
  if (response_budget_spent(server_)) {
    out.status = http::status::service_unavailable;
    out.error_kind = "overload";
    out.body = error_json(
        {"too many response bytes waiting for slow clients; retry later", plugin_, fn_, request_id_});
    return reply(std::move(out));
  }
  BoundPlugin* bp = worker_.resolve(plugin_);
  const engine::FunctionInfo* fn = bp ? bp->entry->module->find_function(fn_) : nullptr;
  if (fn == nullptr) {
    // Removed or replaced without this function while the session was open.
    out.status = http::status::not_found;
    out.error_kind = "not_found";
    out.body = error_json({"plugin or function no longer loaded", plugin_, fn_, request_id_});
    return reply(std::move(out));
  }
  if (bp->entry->blocking && server_.blocking != nullptr) {
    // As for HTTP: calls that may wait on the network go to the blocking
    // lane; the message stays in buffer_ (nothing is read until the reply).
    auto self = shared_from_this();
    // Counted on this session's thread (the shard is per I/O worker), from
    // now until the reply is back here.
    MetricsShard& shard = server_.metrics->shard(worker_.index());
    shard.add_in_flight(1);
    const bool queued = server_.blocking->submit([self, body, content_type, want](IoWorker& pool_worker) {
      auto out = std::make_shared<CallOutcome>();
      std::vector<uint8_t> scratch;
      RequestContext rc{self->server_, pool_worker, self->server_.metrics->shard(self->worker_.index()),
                        self->request_id_, {self->client_, "ws"}};
      rc.scratch = &scratch;
      rc.plugin = self->plugin_;
      rc.fn = self->fn_;
      BoundPlugin* pb = pool_worker.resolve(self->plugin_);
      const engine::FunctionInfo* pf = pb ? pb->entry->module->find_function(self->fn_) : nullptr;
      if (pf == nullptr) {
        out->status = http::status::not_found;
        out->error_kind = "not_found";
        out->body = error_json({"plugin or function no longer loaded", self->plugin_, self->fn_, self->request_id_});
      } else {
        call_plugin(rc, *pb, *pf, body, content_type, want, *out);
      }
      self->worker_.post([self, out] {
        self->server_.metrics->shard(self->worker_.index()).add_in_flight(-1);
        self->reply(std::move(*out));
      });
    });
    if (queued) return;
    shard.add_in_flight(-1);
    out.status = http::status::service_unavailable;
    out.error_kind = "overload";
    out.body = error_json({"blocking lane queue is full; retry later", plugin_, fn_, request_id_});
    return reply(std::move(out));
  }
  RequestContext rc{server_, worker_, server_.metrics->shard(worker_.index()), request_id_, {client_, "ws"}};
  rc.scratch = &scratch_;
  rc.plugin = bp->entry->name;
  rc.fn = fn->name;
  rc.arrived = started_;
  rc.metrics.add_in_flight(1);
  call_plugin(rc, *bp, *fn, body, content_type, want, out);
  rc.metrics.add_in_flight(-1);
  if (out.parked) {
    // At the plugin's worker share: as for HTTP, try again shortly.
    return retry_parked(worker_, started_, [self = shared_from_this()] { self->run_message(); });
  }
  reply(std::move(out));
}

void WsSession::reply(CallOutcome out) {
  MetricsShard& shard = server_.metrics->shard(worker_.index());
  const auto elapsed = std::chrono::steady_clock::now() - started_;
  const bool known = out.error_kind != "not_found";
  shard.record(shard.fn(known ? std::string_view(plugin_) : std::string_view(), known ? std::string_view(fn_) : std::string_view()),
               static_cast<int>(out.status), out.error_kind,
               std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed));
  if (server_.access_log) {
    server_.access_log->write(
        worker_.index(),
        {.request_id = request_id_,
         .client = client_,
         .method = "WS",
         .status = static_cast<int>(out.status),
         .bytes = out.body.size(),
         .duration_us = std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count(),
         .plugin = plugin_,
         .fn = fn_,
         .session = session_id_});
  }
  reply_ = std::move(out.body);
  const bool reply_text = !out.error_kind.empty() || out.content_type == "application/json" ||
                          out.content_type.starts_with("text/");
  ws_.text(reply_text);
  held_.hold(reply_.size());
  write_deadline_ = worker_.coarse_now() + server_.config.limits.write_timeout;
  ws_.async_write(boost::asio::buffer(reply_),
                  [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
}

void WsSession::on_write(beast::error_code ec) {
  write_deadline_ = std::chrono::steady_clock::time_point::max();
  held_.release();
  if (ec) return;
  if (closing_ || server_.draining.load()) {
    closing_ = true;
    ws_.async_close(websocket::close_code::going_away, [self = shared_from_this()](beast::error_code) {});
    return;
  }
  read();
}

}  // namespace hookd::server
