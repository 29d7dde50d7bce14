// The HTTP request path, bytes in: a real gateway (hookd::server::Gateway,
// one I/O worker, the example plugins) runs in this process on loopback port
// 0; each input is written to a fresh connection, the write side is shut, and
// the response is read until the gateway closes. An input starting with '@'
// goes (without the '@') to the admin listener, whose token the fuzzer does
// not know: what it reaches there is what an unauthenticated client reaches.
//
// Properties: no crash, no sanitizer report, and the gateway closes every
// connection within a bound after the client's end of input (a hang is
// reported), and keeps answering /healthz.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include "fuzz_check.hpp"
#include "hookd/config/config.hpp"
#include "hookd/server/composition.hpp"
#include "hookd/server/gateway.hpp"

using hookd::fuzz::check;

namespace {

// Generous: a plugin call has a 1 s deadline, and ASan slows everything.
constexpr auto kCloseBound = std::chrono::seconds(20);

struct Server {
  std::filesystem::path dir;
  std::unique_ptr<hookd::server::Gateway> gateway;

  Server() {
    std::random_device rd;
    dir = std::filesystem::temp_directory_path() / ("hookd-fuzz-http-" + std::to_string(rd()));
    std::filesystem::create_directories(dir);
    hookd::config::Config c = hookd::config::defaults();
    c.server.listen = {"127.0.0.1", 0};
    c.server.admin_listen = {"127.0.0.1", 0};
    c.server.workers = 1;
    c.server.data_dir = dir;
    c.server.admin_token = "fuzz-" + std::to_string(rd()) + std::to_string(rd());
    c.server.load_example_plugins = true;
    c.log.access_log = false;
    c.log.level = hookd::config::LogLevel::off;
    auto g = hookd::server::start_gateway({std::move(c), HOOKD_PLUGIN_DIR});
    if (!g) std::fprintf(stderr, "gateway did not start: %s\n", g.error().message.c_str());
    check(g.has_value(), "the gateway did not start");
    gateway = std::move(*g);
  }
  ~Server() {
    gateway.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

// Sends `request` on a new connection, half-closes, and reads until the
// gateway closes. Returns what was read; aborts if the gateway keeps the
// connection open past kCloseBound.
std::string exchange(uint16_t port, std::string_view request) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  check(fd >= 0, "socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  check(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0, "connect() to the gateway failed");

  const auto deadline = std::chrono::steady_clock::now() + kCloseBound;
  std::string response;
  size_t sent = 0;
  bool write_open = true;
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      std::fprintf(
          stderr,
          "gateway kept the connection open %llds after the end of the request; got %zu bytes:\n%.*s\n",
          static_cast<long long>(kCloseBound.count()), response.size(),
          static_cast<int>(std::min<size_t>(response.size(), 512)), response.data());
      check(false, "the gateway did not close the connection after the client's end of input");
    }
    pollfd p{fd, static_cast<short>(POLLIN | (write_open ? POLLOUT : 0)), 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    if (write_open && (p.revents & POLLOUT)) {
      const ssize_t n = sent < request.size() ? send(fd, request.data() + sent, request.size() - sent,
                                                     MSG_NOSIGNAL | MSG_DONTWAIT)
                                              : 0;
      if (n > 0) sent += static_cast<size_t>(n);
      if (sent == request.size() || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        shutdown(fd, SHUT_WR);  // the gateway closed early, or everything is sent
        write_open = false;
      }
    }
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
      char buf[16384];
      const ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) break;  // closed or reset
      if (n > 0) response.append(buf, static_cast<size_t>(n));
    }
  }
  // Reset instead of a FIN: no TIME_WAIT per input, so a long run cannot
  // exhaust loopback ports.
  const linger reset{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
  close(fd);
  return response;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Server server;
  std::string_view input = hookd::fuzz::text(data, size);
  const bool admin = input.starts_with('@');
  if (admin) input.remove_prefix(1);
  exchange(admin ? server.gateway->admin_port() : server.gateway->port(), input);

  static unsigned runs = 0;
  if (++runs % 256 == 0) {
    const std::string health = exchange(server.gateway->port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    check(health.starts_with("HTTP/1.1 200"), "the gateway stopped answering /healthz");
  }
  return 0;
}
