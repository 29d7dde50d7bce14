// The listener when the process runs out of descriptors (attack class 5, docs/security.md):
// accept errors back off with one warning instead of spinning and flooding
// the log, and the gateway raises its open-file limit at start. The
// TcpListener test drives the listener's own loop on this thread.
#include "net/listener.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <filesystem>
#include <vector>

#include "gateway_fixture.hpp"
#include "http_client.hpp"
#include "net/fd_limit.hpp"

namespace hookd::test {
namespace {

namespace asio = boost::asio;

// Leaves this process without a free descriptor (a low soft limit, the rest
// filled with /dev/null) until it is destroyed.
class DescriptorExhaustion {
 public:
  DescriptorExhaustion() {
    getrlimit(RLIMIT_NOFILE, &saved_);
    int highest = 0;
    for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) {
      highest = std::max(highest, std::stoi(e.path().filename().string()));
    }
    rlimit low = saved_;
    low.rlim_cur = static_cast<rlim_t>(highest) + 16;
    setrlimit(RLIMIT_NOFILE, &low);
    for (int fd; (fd = ::open("/dev/null", O_RDONLY)) >= 0;) fds_.push_back(fd);
  }
  ~DescriptorExhaustion() { restore(); }

  // Frees one descriptor (for a client socket).
  void free_one() {
    ::close(fds_.back());
    fds_.pop_back();
  }
  void restore() {
    for (int fd : fds_) ::close(fd);
    fds_.clear();
    setrlimit(RLIMIT_NOFILE, &saved_);
  }
  [[nodiscard]] bool exhausted() const { return !fds_.empty(); }

 private:
  rlimit saved_{};
  std::vector<int> fds_;
};

template <class Done>
bool run_until(asio::io_context& io, Done done, std::chrono::seconds limit = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < deadline) io.run_for(std::chrono::milliseconds(10));
  return done();
}

TEST(AcceptBackoff, OutOfDescriptorsTheListenerBacksOffWithOneWarningAndRecovers) {
  asio::io_context io{1};
  int accepted = 0;
  auto listener = server::TcpListener::open(io, {asio::ip::make_address("127.0.0.1"), 0}, false,
                                            [&](server::TcpSocket) { ++accepted; });
  ASSERT_TRUE(listener.has_value()) << listener.error().message;
  auto& l = **listener;
  l.start();
  asio::ip::tcp::socket client(io);
  {
    DescriptorExhaustion exhaustion;
    ASSERT_TRUE(exhaustion.exhausted());
    exhaustion.free_one();
    client.connect({asio::ip::make_address("127.0.0.1"), l.port()});  // the kernel completes it: backlog
    // Each accept fails with EMFILE while the connection waits. Without a
    // backoff the loop retries at once and logs every failure.
    ASSERT_TRUE(run_until(io, [&] { return l.accept_failures() >= 5; })) << l.accept_failures();
    EXPECT_EQ(l.accept_warnings(), 1u) << "one warning for the streak, not one per failure";
    EXPECT_EQ(accepted, 0);
  }
  EXPECT_TRUE(run_until(io, [&] { return accepted == 1; })) << "the waiting connection was not accepted";
  l.stop();
  io.run_for(std::chrono::milliseconds(50));
}

TEST(FdLimit, TheGatewayRaisesItsSoftOpenFileLimitToTheHardLimit) {
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  if (saved.rlim_max != RLIM_INFINITY && saved.rlim_max <= 512) GTEST_SKIP() << "hard limit too low to lower";
  rlimit low = saved;
  low.rlim_cur = 512;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  {
    auto c = test_config(fresh_dir("fd-limit"));
    c.server.load_example_plugins = false;
    auto g = start_gateway(std::move(c));
    ASSERT_NE(g, nullptr);
    rlimit now{};
    getrlimit(RLIMIT_NOFILE, &now);
    EXPECT_EQ(now.rlim_cur, now.rlim_max);
  }
  setrlimit(RLIMIT_NOFILE, &saved);
}

TEST(FdLimit, ConnectionCapsOverTheHardLimitDoNotFit) {
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  if (saved.rlim_max == RLIM_INFINITY || saved.rlim_max > 4'000'000'000ull)
    GTEST_SKIP() << "no finite hard limit";
  config::LimitsConfig limits;
  limits.max_connections = static_cast<uint32_t>(saved.rlim_max);
  const auto r = server::raise_fd_limit(limits);
  EXPECT_FALSE(r.fits());
  EXPECT_EQ(r.needed, saved.rlim_max + limits.admin_max_connections + server::kFdHeadroom);
  limits.max_connections = 16;
  EXPECT_TRUE(server::raise_fd_limit(limits).fits());
}

TEST(PortClaim, AnAddressAListenerHoldsIsRefusedNamingIt) {
  asio::io_context io{1};
  // As a worker's listener binds: in the port's SO_REUSEPORT group, which a
  // second process could join unnoticed.
  auto held =
      server::TcpListener::open(io, {asio::ip::make_address("127.0.0.1"), 0}, true, [](server::TcpSocket) {});
  ASSERT_TRUE(held.has_value()) << held.error().message;
  const uint16_t port = (*held)->port();
  const auto r = server::ensure_address_free({asio::ip::make_address("127.0.0.1"), port});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("127.0.0.1:" + std::to_string(port)), std::string::npos)
      << r.error().message;
  EXPECT_TRUE(server::ensure_address_free({asio::ip::make_address("127.0.0.1"), 0}))
      << "port 0 is always free";
  (*held)->stop();
  io.run_for(std::chrono::milliseconds(50));
  EXPECT_TRUE(server::ensure_address_free({asio::ip::make_address("127.0.0.1"), port}))
      << "free again once the listener closed";
}

// A second gateway on the port of a running one does not start, whether it
// has a data directory of its own or shares the first one's, and the first
// keeps every request (before, both served the port, each half the calls).
TEST(PortClaim, ASecondGatewayOnABusyPortDoesNotStart) {
  const auto dir = fresh_dir("port-first");
  auto c = test_config(dir);
  c.server.load_example_plugins = false;
  c.plugins.push_back(plugin_entry("echo", "echo"));
  auto first = start_gateway(std::move(c));
  ASSERT_NE(first, nullptr);
  const std::string address = "127.0.0.1:" + std::to_string(first->port());

  const auto other_dir = fresh_dir("port-second");
  for (const auto& second_dir : {other_dir, dir}) {
    auto second_config = test_config(second_dir);
    second_config.server.load_example_plugins = false;  // no plugin: it would answer 404
    second_config.server.listen.port = first->port();
    auto second = server::start_gateway({std::move(second_config), HOOKD_PLUGIN_DIR});
    ASSERT_FALSE(second) << "a second gateway started on " << address << " (data dir " << second_dir << ")";
    EXPECT_NE(second.error().message.find(address), std::string::npos) << second.error().message;
  }
  for (int i = 0; i < 20; ++i)
    EXPECT_EQ(HttpClient(first->port()).post("/plugins/echo/echo", "x").result_int(), 200);
  first.reset();
  std::filesystem::remove_all(dir);
  std::filesystem::remove_all(other_dir);
}

}  // namespace
}  // namespace hookd::test
