// A real redis-server child process on a free loopback port, for tests.
// The child dies with the test process (PR_SET_PDEATHSIG), so a crashed test
// cannot leave it running; stop() and the destructor kill and reap it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace hookd::host::test {

class RedisServer {
 public:
  /// Starts on a free port; nullptr (with a test failure) if it cannot.
  static std::unique_ptr<RedisServer> start(std::string password = {});
  ~RedisServer();

  std::uint16_t port() const { return port_; }
  const std::string& password() const { return password_; }
  /// SIGKILL and reap: Redis is gone, connections reset.
  void stop();
  /// Starts again on the same port; false if it did not answer PING in time.
  bool restart();
  /// SIGSTOP/SIGCONT: Redis accepts connections but never answers.
  void pause();
  void resume();

 private:
  RedisServer(std::uint16_t port, std::string password) : port_(port), password_(std::move(password)) {}
  bool launch();
  bool answers_ping(std::chrono::milliseconds timeout) const;

  std::uint16_t port_;
  std::string password_;
  pid_t pid_ = -1;
};

/// A loopback TCP port that was free a moment ago (bind port 0, read it back).
std::uint16_t free_loopback_port();

}  // namespace hookd::host::test
