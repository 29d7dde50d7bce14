// One connection to the admin listener. Admin traffic is rare and may carry
// whole plugins, so it has its own body limit and runs on the admin thread,
// away from the request path.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <memory>
#include <optional>

#include "admin_api.hpp"
#include "net_types.hpp"
#include "request_id.hpp"

namespace hookd::server {

class AdminSession : public std::enable_shared_from_this<AdminSession> {
 public:
  static constexpr uint64_t kMaxPluginBytes = 64u << 20;

  AdminSession(TcpSocket socket, AdminApi& api, RequestIdGenerator& ids,
               std::chrono::milliseconds timeout)
      : stream_(std::move(socket)), api_(api), ids_(ids), timeout_(timeout) {}
  void start() { read(); }

 private:
  void read();
  void on_read(boost::beast::error_code ec);
  void on_handled(const std::string& request_id);
  void write(bool close_after);

  TcpStream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  HttpResponse res_;
  AdminApi& api_;
  RequestIdGenerator& ids_;
  std::chrono::milliseconds timeout_;
};

}  // namespace hookd::server
