// One HTTP/1.1 connection: read a request (with header and body limits, a
// bounded read buffer and a timeout; see request_guard.hpp), handle it inline
// on this worker, write the response (with a write timeout), repeat while
// keep-alive. Pipelined requests are answered in order from the buffer.
#pragma once

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <memory>
#include <optional>

#include "calls/call_dispatcher.hpp"
#include "calls/io_worker.hpp"
#include "net/client_address.hpp"
#include "net/handler_memory.hpp"
#include "net/http_types.hpp"
#include "net/net_types.hpp"
#include "net/public_services.hpp"
#include "net/request_budget.hpp"
#include "net/request_exchange.hpp"
#include "net/request_guard.hpp"
#include "net/request_handler.hpp"
#include "net/request_id.hpp"
#include "net/response_budget.hpp"
#include "net/session.hpp"
#include "observability/tracer.hpp"

namespace hookd::server {

class HttpSession final : public Session, public CallSink, public std::enable_shared_from_this<HttpSession> {
 public:
  // Counted in `services.connections` by the listener; uncounted when it goes.
  HttpSession(TcpSocket socket, const PublicServices& services, IoWorker& worker, RequestIdGenerator& ids);
  ~HttpSession() override;

  void start();
  void drain() override;
  void check_timeout(std::chrono::steady_clock::time_point now) override;

 private:
  void recycle();
  void read_request();
  // The read loop of Beast's http::async_read, without its composed
  // operations (a tenth of the request path's instructions): parse what
  // buffer_ holds, read more while the parser needs it, then on_read.
  void parse_buffered();
  // The header is complete, its body not read yet: framing and field count
  // are checked, and a request that expects 100 Continue gets it, or its
  // refusal. False when it took the connection over (an answer or the 100
  // is being written).
  bool on_header();
  void write_continue();
  void read_more();
  void on_read_some(boost::beast::error_code ec, std::size_t bytes);
  void on_read(boost::beast::error_code ec);
  // Reserves in the request budget what the parser's next put can add to
  // the body (request_budget.hpp); false when the budget is spent.
  bool reserve_body();
  // The connection becomes a WebSocket session calling `target` (`routed`:
  // a route of table_'s).
  void upgrade(PluginTarget target, bool routed);
  void respond_to_read_error(boost::beast::error_code ec);
  void refuse(const Refusal& refusal);
  void handle();
  // Looks `req` up in the route table by its `path` (TargetPath::route_path;
  // not a built-in one); on found, table_ holds the table match_ points into.
  routing::MatchStatus match_route(const HttpRequest& req, std::string_view path);
  // `match`: the route that led here, null for /plugins/<name>/<fn>.
  void call(PluginTarget target, const routing::Match* match);
  void call_done(CallResult& result) override;
  std::shared_ptr<CallSink> keep_alive() override;
  void respond(CallResult& result);
  void add_plugin_headers();
  void finish();
  // Metrics, events and the access line of the exchange in res_; returns
  // whether the connection closes after the response.
  bool record_exchange();
  // Writes head_ and res_'s body.
  void write(bool close_after);
  void on_write(boost::beast::error_code ec, bool close_after);
  void close();
  void abort();

  // The memory of socket_'s read and write operations (declared first: it
  // outlives everything that could hold one).
  HttpHandlerMemory handler_memory_;
  TcpSocket socket_;
  boost::beast::flat_buffer buffer_;  // at most read_buffer_limit() bytes
  // The header fields of parser_'s request and of res_ (declared before
  // them: it outlives them); reset between requests.
  FieldArena arena_;
  // Of parser_'s body, from its header until the exchange ends (recycle);
  // declared before parser_, so the body is freed before its bytes go back
  // (a trim of freed memory may follow them, request_budget.hpp).
  HeldRequestBytes held_body_;
  std::optional<RequestParser> parser_;
  // The last request's body buffer, given to the next request (when small).
  std::string spare_body_;
  ChunkWatch chunks_;
  HeaderWatch header_;
  HttpResponse res_;
  // res_'s head, written with its body in one gather write (response_head.hpp);
  // kept across responses so its buffer is reused.
  std::string head_;
  const PublicServices& services_;
  HeldResponseBytes held_;  // of res_, while it is being written
  IoWorker& worker_;
  RequestIdGenerator& ids_;
  std::string peer_;
  // The request target's path, split from its query once per request.
  struct TargetPath {
    std::string_view path;        // to '?' or '#': the built-in routes, the access log
    std::string_view route_path;  // to '?': the route table's
    static TargetPath of(std::string_view target);
  };
  // The request being answered: its path (views of parser_'s request), its
  // id, its client, and its labels for metrics and the access log.
  TargetPath target_path_;
  std::string request_id_;
  ClientInfo client_;
  RequestTrace trace_;  // this request's (tracing on); its buffers kept across requests
  // The route the request matched, and the table it is in: a call in the
  // blocking lane outlives a table swap. The table is kept across requests
  // (taken again only when the worker has published another), so an idle
  // connection may hold a superseded table until its next routed request,
  // its idle timeout or its close.
  routing::Match match_;
  std::shared_ptr<const routing::RouteTable> table_;
  // What the plugin reads of the request and what it sets of the response.
  RequestExchange exchange_;
  struct Labels {
    std::string_view plugin;
    std::string_view fn;
    std::string_view error_kind;
    MetricsShard::FnStats* stats = nullptr;
    uint64_t version = 0;  // the upload version that served; 0: none
  } labels_;
  // X-Hookd-Version's value (server.version_header), written without an allocation.
  std::array<char, 24> version_text_{};
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point deadline_ = std::chrono::steady_clock::time_point::max();
  uint64_t served_ = 0;
  bool reading_ = false;
  bool writing_ = false;
  bool draining_ = false;
  bool closed_ = false;
  // The request is answered before its body was read (it expected 100
  // Continue, and is refused): the connection closes after the answer.
  bool answered_early_ = false;
};

}  // namespace hookd::server
