// A WebSocket session on GET /plugins/<name>/<fn>: each message is one call
// and each reply one message. Text messages to msgpack functions are JSON and
// are transcoded; a failed call closes the session with code 4000 + its HTTP
// status and the error message as the reason (an error is never a data
// message); removing the plugin or function closes its sessions with 1001;
// an oversized message closes the session with 1009; idle sessions are pinged and closed. Replies are not
// queued: the next message is read only once the reply to the last one is
// written, and a reply the client does not read within limits.write_timeout
// ends the session with a reset. A message reserves its bytes in the request
// budget as they arrive (request_budget.hpp); past the budget the session is
// closed with 1013 (try again later). When the session ends, however it
// ends (a close either way, a dropped connection, a timeout, a drain), its
// destructor writes its one access log line: the upgrade request, how long
// it lasted, its messages and bytes each way, its errors and how it closed.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <memory>
#include <string>

#include "calls/call_dispatcher.hpp"
#include "calls/io_worker.hpp"
#include "net/handler_memory.hpp"
#include "net/http_types.hpp"
#include "net/net_types.hpp"
#include "net/public_services.hpp"
#include "net/request_budget.hpp"
#include "net/request_exchange.hpp"
#include "net/request_handler.hpp"
#include "net/request_id.hpp"
#include "net/response_budget.hpp"
#include "net/session.hpp"
#include "observability/access_log.hpp"

namespace hookd::server {

// A close reason from `message`: at most the 123 bytes a close frame allows,
// cut on a UTF-8 character boundary.
std::string_view ws_close_reason(std::string_view message);

class WsSession final : public Session, public CallSink, public std::enable_shared_from_this<WsSession> {
 public:
  WsSession(TcpSocket socket, const PublicServices& services, IoWorker& worker, RequestIdGenerator& ids);
  ~WsSession() override;

  // `target`: the plugin function the upgrade asked for (its path, or the
  // route it matched in `routes`); its views need to last only through
  // start(). The upgrade request is kept (charged to the request budget)
  // for the session's calls to read: its headers, path and the route's
  // parameters.
  void start(HttpRequest upgrade, PluginTarget target, std::shared_ptr<const routing::RouteTable> routes);
  void drain() override;
  void check_timeout(std::chrono::steady_clock::time_point now) override;

 private:
  void reject(http::status status, std::string_view kind, std::string_view message);
  void reject(CallResult& error);
  void read();
  // Reads some of a message, reserving first what the read can add.
  void read_part();
  void on_read(boost::beast::error_code ec);  // a message: one call
  void call_done(CallResult& result) override;
  std::shared_ptr<CallSink> keep_alive() override;
  void on_write(boost::beast::error_code ec);
  void reply(CallResult& out);
  void close_with_error(const CallResult& out);
  // `why`: the session line's close_reason.
  void close(boost::beast::websocket::close_code code, std::string_view reason, std::string_view why);
  // How the session ended; the first call stands.
  void ended(int close_code, std::string_view why);
  void on_read_error(boost::beast::error_code ec);
  void write_session_line();
  void close_if_plugin_gone();  // on the sweeper's tick

  // The memory of ws_'s read and write operations (declared first: it
  // outlives everything that could hold one).
  WsHandlerMemory handler_memory_;
  boost::beast::websocket::stream<TcpStream> ws_;
  // Of the message in buffer_, from its second read until the next read();
  // declared before buffer_, so the message is freed before its bytes go
  // back (a trim of freed memory may follow them, request_budget.hpp).
  HeldRequestBytes held_message_;
  boost::beast::flat_buffer buffer_;
  const PublicServices& services_;
  HeldResponseBytes held_;  // of reply_, while it is being written
  IoWorker& worker_;
  RequestIdGenerator& ids_;
  std::string plugin_;
  std::string fn_;
  std::string session_id_;
  std::string peer_;
  std::string client_;  // peer_, or the client behind a trusted proxy
  std::string reply_;
  std::string request_id_;                         // of the message being answered
  std::chrono::steady_clock::time_point started_;  // of the message being answered
  // For the session's line: when the upgrade arrived, what it answered
  // (101, or the refusal's status), and what the session did.
  std::chrono::steady_clock::time_point opened_;
  int status_ = 0;
  WsSessionTotals totals_;
  HttpResponse rejection_;
  // The upgrade request, the bytes it holds of the request budget, and the
  // route it matched (match_ views route_table_ and upgrade_): what each
  // message's call reads as its request (a message has no response to
  // shape).
  HeldRequestBytes held_upgrade_;
  HttpRequest upgrade_;
  std::shared_ptr<const routing::RouteTable> route_table_;
  routing::Match match_;
  bool routed_ = false;
  RequestExchange exchange_;
  std::chrono::steady_clock::time_point write_deadline_ = std::chrono::steady_clock::time_point::max();
  uint64_t seen_generation_ = 0;  // of the registry when plugin_ was last checked
  bool accepted_ = false;
  bool closing_ = false;
};

}  // namespace hookd::server
