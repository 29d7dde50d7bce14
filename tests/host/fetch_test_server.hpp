// A small HTTP/1.1 server for fetch tests: 127.0.0.1, port 0, one thread,
// optional TLS. Replies come from a handler; every request and accept is
// counted so tests can check what reached the wire.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace hookd::host::test {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct SeenRequest {
  std::string method;
  std::string target;
  Headers headers;
  std::string body;
  int connection = 0;             // 1-based accept number
  int request_on_connection = 0;  // 1-based

  /// The values of header `name` (case-insensitive), in order.
  std::vector<std::string> header(std::string_view name) const;
};

struct TestReply {
  int status = 200;
  Headers headers;
  std::string body;
  std::chrono::milliseconds delay{0};  // before the reply is written
  bool drop = false;                   // close the connection without replying
};

struct TlsIdentity {
  std::string cert_pem;
  std::string key_pem;
};

class TestServer {
 public:
  using Handler = std::function<TestReply(const SeenRequest&)>;

  explicit TestServer(Handler handler, std::optional<TlsIdentity> tls = std::nullopt);
  ~TestServer();  // stops the thread, closes every connection
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  std::uint16_t port() const { return port_; }
  /// "http(s)://host:port" + path.
  std::string url(std::string_view path, std::string_view host = "127.0.0.1") const;
  int accepted() const { return accepted_.load(); }
  std::vector<SeenRequest> requests() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  std::uint16_t port_ = 0;
  bool tls_ = false;
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

}  // namespace hookd::host::test
