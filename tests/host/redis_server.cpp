#include "redis_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>
#include <vector>

namespace hookd::host::test {

namespace {
constexpr const char* kRedisServer = "/usr/bin/redis-server";
constexpr auto kStartDeadline = std::chrono::seconds(10);
constexpr auto kReapDeadline = std::chrono::seconds(5);
}  // namespace

std::uint16_t free_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  std::uint16_t port = 0;
  if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  if (fd >= 0) ::close(fd);
  return port;
}

std::unique_ptr<RedisServer> RedisServer::start(std::string password) {
  for (int attempt = 0; attempt < 3; ++attempt) {  // the free port may be taken in between
    std::unique_ptr<RedisServer> server(new RedisServer(free_loopback_port(), password));
    if (server->port_ != 0 && server->launch()) return server;
  }
  ADD_FAILURE() << "redis-server did not start";
  return nullptr;
}

RedisServer::~RedisServer() { stop(); }

bool RedisServer::launch() {
  const std::string port = std::to_string(port_);
  std::vector<std::string> args{kRedisServer,   "--port", port,          "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no",     "--daemonize", "no",     "--dir",     "/tmp"};
  if (!password_.empty()) args.insert(args.end(), {"--requirepass", password_});
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();
  const int devnull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  pid_t pid = ::fork();
  if (pid == 0) {  // only async-signal-safe calls until exec
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::dup2(devnull, STDOUT_FILENO);
    ::dup2(devnull, STDERR_FILENO);
    ::execv(kRedisServer, argv.data());
    ::_exit(127);
  }
  ::close(devnull);
  if (pid < 0) return false;
  pid_ = pid;
  const auto deadline = std::chrono::steady_clock::now() + kStartDeadline;
  while (std::chrono::steady_clock::now() < deadline) {
    if (answers_ping(std::chrono::milliseconds(200))) return true;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {  // exited: port taken?
      pid_ = -1;
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stop();
  return false;
}

bool RedisServer::answers_ping(std::chrono::milliseconds timeout) const {
  timeval tv{0, static_cast<suseconds_t>(timeout.count() * 1000)};
  redisContext* c = redisConnectWithTimeout("127.0.0.1", port_, tv);
  bool ok = false;
  if (c && !c->err && redisSetTimeout(c, tv) == REDIS_OK) {
    auto* r = static_cast<redisReply*>(password_.empty() ? redisCommand(c, "PING")
                                                         : redisCommand(c, "AUTH %s", password_.c_str()));
    ok = r && r->type == REDIS_REPLY_STATUS;
    if (r) freeReplyObject(r);
  }
  if (c) redisFree(c);
  return ok;
}

void RedisServer::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  const auto deadline = std::chrono::steady_clock::now() + kReapDeadline;
  int status = 0;
  while (::waitpid(pid_, &status, WNOHANG) == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  pid_ = -1;
}

bool RedisServer::restart() {
  stop();
  return launch();
}

void RedisServer::pause() {
  if (pid_ > 0) ::kill(pid_, SIGSTOP);
}

void RedisServer::resume() {
  if (pid_ > 0) ::kill(pid_, SIGCONT);
}

}  // namespace hookd::host::test
