// One connection to the admin listener. Admin traffic is rare and may carry
// whole plugins, so it has its own body limit (limits.max_module_bytes) and
// connection cap (limits.admin_max_connections) and runs on the admin
// thread, away from the request path.
//
// The token is checked as soon as the header is in: a request without it is
// answered 401 and the connection closes before any of its body is read. An
// authorized request with `Expect: 100-continue` gets its 100 then.
#pragma once

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <memory>
#include <optional>
#include <string>

#include "admin/admin_api.hpp"
#include "net/net_types.hpp"
#include "net/request_guard.hpp"
#include "net/request_id.hpp"
#include "observability/metrics.hpp"

namespace hookd::server {

class AdminSession : public std::enable_shared_from_this<AdminSession> {
 public:
  // Holds one of `slots` (limits.admin_max_connections; taken by the
  // listener) until it is destroyed. `limits`: header fields, timeouts and
  // the body limit (max_module_bytes); `metrics` counts refused requests.
  AdminSession(TcpSocket socket, AdminApi& api, const config::LimitsConfig& limits,
               std::atomic<int64_t>& slots, Metrics& metrics, RequestIdGenerator& ids);
  ~AdminSession();
  AdminSession(const AdminSession&) = delete;
  AdminSession& operator=(const AdminSession&) = delete;

  void start() { read_header(); }

  // Whether it has yet to present a valid token (admin_admission.hpp).
  [[nodiscard]] bool anonymous() const { return !authorized_ && holds_slot_; }
  // Closes the connection and gives its slot back at once, for a new one.
  void evict();

 private:
  void read_header();
  // Beast's async_read_header, with the header counted across reads
  // (HeaderWatch), as the public listener's read loop does.
  void parse_header();
  void on_read_some(boost::beast::error_code ec, std::size_t bytes);
  void on_header(boost::beast::error_code ec);
  void read_body();
  void on_body(boost::beast::error_code ec);
  void on_handled();
  void refuse(const Refusal& refusal);
  void write(bool close_after);
  void close();

  TcpStream stream_;
  boost::beast::flat_buffer buffer_;  // at most read_buffer_limit() bytes
  std::optional<RequestParser> parser_;
  ChunkWatch chunks_;
  HeaderWatch header_;
  HttpResponse res_;
  AdminApi& api_;
  const config::LimitsConfig& limits_;
  std::atomic<int64_t>& slots_;
  Metrics& metrics_;
  RequestIdGenerator& ids_;
  std::string request_id_;
  bool authorized_ = false;  // a request on this connection carried the token
  bool holds_slot_ = true;   // of slots_
};

}  // namespace hookd::server
