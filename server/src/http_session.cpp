#include "http_session.hpp"

#include <boost/beast/websocket.hpp>
#include <spdlog/spdlog.h>

#include "error_response.hpp"
#include "log_escape.hpp"
#include "blocking_pool.hpp"
#include "request_handler.hpp"
#include "worker_share.hpp"
#include "ws_session.hpp"

namespace hookd::server {

namespace beast = boost::beast;

HttpSession::HttpSession(TcpSocket socket, ServerContext& server, IoWorker& worker, RequestIdGenerator& ids)
    : socket_(std::move(socket)),
      buffer_(read_buffer_limit(server.config.limits.max_header_bytes)),
      server_(server),
      held_(server.buffered_response_bytes),
      worker_(worker),
      ids_(ids) {
  boost::system::error_code ec;
  auto ep = socket_.remote_endpoint(ec);
  if (!ec) peer_ = ep.address().to_string();
  socket_.set_option(boost::asio::ip::tcp::no_delay(true), ec);
}

HttpSession::~HttpSession() {
  worker_.remove_session(this);
  server_.connections.fetch_sub(1, std::memory_order_relaxed);
}

void HttpSession::start() {
  worker_.add_session(this);
  read_request();
}

void HttpSession::drain() {
  draining_ = true;
  // Idle between requests: nothing in flight, close now.
  if (reading_ && !(parser_ && parser_->got_some())) close();
}

void HttpSession::check_timeout(std::chrono::steady_clock::time_point now) {
  if (now <= deadline_) return;
  // Pending operations complete with an error. A client that stopped reading
  // is cut off with a reset, which also drops what the kernel still holds
  // for it; a slow request just closes.
  if (writing_) return abort();
  close();
}

void HttpSession::read_request() {
  if (draining_) return close();
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(server_.config.limits.max_header_bytes));
  parser_->body_limit(server_.config.limits.max_body_bytes);
  // Chunk extensions count against the header limit: they are metadata too.
  chunks_.watch(*parser_, server_.config.limits.max_header_bytes);
  // Between requests of a keep-alive connection the idle timeout applies;
  // once a request has started arriving, the read timeout.
  const auto& limits = server_.config.limits;
  deadline_ = worker_.coarse_now() + (served_ > 0 && buffer_.size() == 0 ? limits.idle_timeout : limits.read_timeout);
  reading_ = true;
  http::async_read(socket_, buffer_, *parser_,
                   [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
}

void HttpSession::on_read(beast::error_code ec) {
  reading_ = false;
  if (ec) return respond_to_read_error(ec);
  started_ = std::chrono::steady_clock::now();
  ++served_;
  HttpRequest& req = parser_->get();
  if (auto refusal = check_framing(req)) return refuse(*refusal);
  if (chunks_.saw_trailers()) return refuse({http::status::bad_request, "request trailers are not accepted"});
  if (beast::websocket::is_upgrade(req) && parse_plugin_target(req.target())) {
    // The connection becomes a WebSocket session; this object goes away.
    deadline_ = std::chrono::steady_clock::time_point::max();
    closed_ = true;  // the socket now belongs to the WebSocket session
    auto ws = std::make_shared<WsSession>(std::move(socket_), server_, worker_, ids_);
    ws->start(parser_->release());
    return;
  }
  handle();
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
  res_ = {};
  res_.version(11);
  std::string id = ids_.next();
  res_.set("X-Request-Id", id);
  set_error(res_, refusal.status, {refusal.message, {}, {}, id});
  res_.keep_alive(false);
  res_.prepare_payload();
  write(true);
}

void HttpSession::handle() {
  HttpRequest& req = parser_->get();
  // A fresh response, but the body keeps its buffer: a plugin's output is
  // copied into it, usually without an allocation after the first request.
  std::string body = std::move(res_.body());
  body.clear();
  res_ = {};
  res_.body() = std::move(body);
  res_.version(req.version());

  std::string_view given_id = req["X-Request-Id"];
  RequestContext rc{server_, worker_, server_.metrics->shard(worker_.index()),
                    acceptable_request_id(given_id) ? std::string(given_id) : ids_.next(),
                    {peer_, "http"}};
  if (!server_.config.server.trusted_proxies.empty()) {
    rc.client = resolve_client(peer_, req["X-Forwarded-For"], req["X-Forwarded-Proto"],
                               server_.config.server.trusted_proxies);
  }
  rc.scratch = &scratch_;
  rc.arrived = started_;
  rc.metrics.add_in_flight(1);
  handle_request(rc, req, res_);
  if (rc.deferred.parked) {
    // The plugin is at its worker share: handle the request again shortly;
    // meanwhile this worker serves its other connections.
    rc.metrics.add_in_flight(-1);
    return retry_parked(worker_, started_, [self = shared_from_this()] { self->handle(); });
  }
  if (rc.deferred.pending) return defer(std::move(rc));
  rc.metrics.add_in_flight(-1);
  finish(rc);
}

// The blocking lane: the call runs on a pool thread with its own instance of
// the plugin; the response is finished back on this session's thread. The
// request (and its body) stays in parser_ until then: nothing reads the
// connection while a response is pending.
void HttpSession::defer(RequestContext rc) {
  struct Job {
    std::string request_id;
    ClientInfo client;
    std::string plugin;
    std::string fn;
    MetricsShard::FnStats* stats;
    Encoding want;
    CallOutcome out;
  };
  auto job = std::make_shared<Job>(Job{rc.request_id, rc.client, std::string(rc.plugin), std::string(rc.fn), rc.stats,
                                       rc.deferred.want, {}});
  auto self = shared_from_this();
  deadline_ = std::chrono::steady_clock::time_point::max();  // the call has its own deadline
  const bool queued = server_.blocking->submit([self, job](IoWorker& pool_worker) {
    HttpRequest& req = self->parser_->get();
    std::vector<uint8_t> scratch;
    RequestContext prc{self->server_, pool_worker, self->server_.metrics->shard(self->worker_.index()),
                       job->request_id, job->client};
    prc.plugin = job->plugin;
    prc.fn = job->fn;
    prc.scratch = &scratch;
    BoundPlugin* bp = pool_worker.resolve(job->plugin);
    const engine::FunctionInfo* fn = bp ? bp->entry->module->find_function(job->fn) : nullptr;
    if (fn == nullptr) {
      job->out.status = http::status::not_found;
      job->out.error_kind = "not_found";
      job->out.content_type = "application/json";
      job->out.body = error_json({"plugin or function no longer loaded", job->plugin, job->fn, job->request_id});
    } else {
      call_plugin(prc, *bp, *fn, req.body(), req[http::field::content_type], job->want, job->out);
    }
    // Back to the session's own thread to write the response.
    self->worker_.post([self, job] { self->complete_deferred(*job); });
  });
  if (!queued) {
    CallOutcome busy;
    busy.status = http::status::service_unavailable;
    busy.error_kind = "overload";
    busy.content_type = "application/json";
    busy.retry_after = true;
    busy.body = error_json({"blocking lane queue is full; retry later", job->plugin, job->fn, job->request_id});
    job->out = std::move(busy);
    complete_deferred(*job);
  }
}
template <class Job>
void HttpSession::complete_deferred(Job& job) {
  RequestContext rc{server_, worker_, server_.metrics->shard(worker_.index()), std::move(job.request_id),
                    std::move(job.client)};
  rc.plugin = job.plugin;
  rc.fn = job.fn;
  rc.stats = job.stats;
  rc.error_kind = job.out.error_kind;
  res_.result(job.out.status);
  res_.set(http::field::content_type, job.out.content_type);
  if (job.out.retry_after) res_.set(http::field::retry_after, "1");
  res_.body() = std::move(job.out.body);
  rc.metrics.add_in_flight(-1);
  finish(rc);
}

void HttpSession::finish(RequestContext& rc) {
  HttpRequest& req = parser_->get();
  res_.set("X-Request-Id", rc.request_id);
  const auto elapsed = std::chrono::steady_clock::now() - started_;
  const int status = static_cast<int>(res_.result_int());
  MetricsShard& shard = rc.metrics;
  shard.record(rc.stats != nullptr ? rc.stats : shard.fn(rc.plugin, rc.fn), status, rc.error_kind,
               std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed));
  if (server_.access_log) {
    server_.access_log->write(
        worker_.index(),
        {.request_id = rc.request_id,
         .client = rc.client.address,
         .method = std::string_view(req.method_string()),
         .target = without_query(std::string_view(req.target())),
         .status = status,
         .bytes = res_.body().size(),
         .duration_us = std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count(),
         .plugin = rc.plugin,
         .fn = rc.fn});
  }
  const bool close_after = !req.keep_alive() || draining_ || server_.draining.load(std::memory_order_relaxed);
  res_.keep_alive(!close_after);
  res_.prepare_payload();
  if (req.method() == http::verb::head) {
    const size_t n = res_.body().size();
    res_.body().clear();
    res_.content_length(n);
  }
  write(close_after);
}

void HttpSession::write(bool close_after) {
  deadline_ = worker_.coarse_now() + server_.config.limits.write_timeout;
  writing_ = true;
  held_.hold(res_.body().size());
  serializer_.emplace(res_);
  http::async_write(socket_, *serializer_, [self = shared_from_this(), close_after](beast::error_code ec, std::size_t) {
    self->on_write(ec, close_after);
  });
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
