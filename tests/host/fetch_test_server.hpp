// A small HTTP/1.1 server for fetch tests: 127.0.0.1, port 0, one thread,
// optional TLS. Replies come from a handler; every request and accept is
// counted so tests can check what reached the wire.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
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

/// A raw upstream on 127.0.0.1, port 0, for hostile responses: on each
/// connection it reads the request head, writes `prefix`, then `repeat` over
/// and over (once every `pace`, if set) until the client closes the
/// connection, counting every byte the kernel took.
class HostileUpstream {
 public:
  struct Script {
    std::string prefix;
    std::string repeat;  // empty: nothing after the prefix, the connection stays open
    std::chrono::milliseconds pace{0};
  };

  explicit HostileUpstream(Script script);
  ~HostileUpstream();
  HostileUpstream(const HostileUpstream&) = delete;
  HostileUpstream& operator=(const HostileUpstream&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url(std::string_view path) const;

  /// Waits (at most `bound`) for the client to close the first connection;
  /// then the bytes written to it, else nullopt.
  std::optional<std::uint64_t> written_until_closed(std::chrono::milliseconds bound);

  /// What may sit between the writer and the client's parser and never have
  /// been accepted: the client's largest receive buffer plus this upstream's
  /// send buffer. Bytes written past budget + slack were taken in.
  static std::uint64_t socket_slack();

 private:
  void run();
  void serve(int fd);

  Script script_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::condition_variable closed_cv_;
  std::optional<std::uint64_t> written_;
  std::thread thread_;
};

}  // namespace hookd::host::test
