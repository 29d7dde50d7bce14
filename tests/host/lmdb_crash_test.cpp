// Crash test: a child process writes keys and reports each one after set()
// returns; it is killed with SIGKILL at a random moment, the store is
// reopened, and every acknowledged key must be there with its value.
// (SIGKILL leaves the page cache intact, so this proves commit atomicity and
// acknowledgement order, not fsync against power loss.)
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <random>
#include <set>

#include "crash_values.hpp"
#include "hookd/host/lmdb_kv_store.hpp"
#include "kv_test_support.hpp"

namespace hookd::host::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr int kRounds = 5;

// Starts kv_crash_writer with its stdout on a pipe; returns {pid, read fd}.
std::pair<pid_t, int> spawn_writer(const std::filesystem::path& dir, const std::string& tag) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return {-1, -1};
  std::string exe = KV_CRASH_WRITER, dir_arg = dir.string(), tag_arg = tag;
  char* argv[] = {exe.data(), dir_arg.data(), tag_arg.data(), nullptr};
  const pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::dup2(fds[1], STDOUT_FILENO);
    ::execv(argv[0], argv);
    ::_exit(127);
  }
  ::close(fds[1]);
  return {pid, fds[0]};
}

// Reads what is available (waiting at most `wait`); false at EOF.
bool read_some(int fd, std::string& out, std::chrono::milliseconds wait) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(wait.count())) <= 0) return true;
  char buf[4096];
  ssize_t n = ::read(fd, buf, sizeof buf);
  if (n <= 0) return false;
  out.append(buf, static_cast<std::size_t>(n));
  return true;
}

// Whole lines only: a line is written in one write(2) after set() succeeded.
std::vector<std::string> complete_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
    lines.push_back(text.substr(start, nl - start));
  }
  return lines;
}

TEST(LmdbCrash, EveryAcknowledgedWriteSurvivesSigkill) {
  TempDir dir;
  const auto store_dir = dir.path() / "kv";
  std::mt19937 rng(std::random_device{}());
  std::vector<std::string> acknowledged;
  for (int round = 0; round < kRounds; ++round) {
    auto [pid, fd] = spawn_writer(store_dir, "r" + std::to_string(round));
    ASSERT_GT(pid, 0);
    std::string output;
    // Wait (bounded) for the first acknowledgement, then kill at a random point.
    const auto first_deadline = Clock::now() + 10s;
    while (output.find('\n') == std::string::npos && Clock::now() < first_deadline) {
      if (!read_some(fd, output, 50ms)) break;
    }
    const auto kill_at = Clock::now() + std::chrono::milliseconds(std::uniform_int_distribution(0, 200)(rng));
    while (Clock::now() < kill_at && read_some(fd, output, 10ms)) {
    }
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);  // SIGKILL cannot be ignored, so this returns
    const auto eof_deadline = Clock::now() + 5s;
    while (Clock::now() < eof_deadline && read_some(fd, output, 100ms)) {
    }
    ::close(fd);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "writer exited on its own: " << status;
    auto lines = complete_lines(output);
    ASSERT_FALSE(lines.empty()) << "round " << round << ": the writer acknowledged nothing";
    acknowledged.insert(acknowledged.end(), lines.begin(), lines.end());

    LmdbKvOptions options;
    options.dir = store_dir;
    options.map_size_bytes = std::size_t{256} << 20;
    auto kv = LmdbKvStore::open(options);
    ASSERT_TRUE(kv) << kv.error().message;
    std::size_t missing = 0;
    for (const auto& key : acknowledged) {  // this round's and every earlier round's
      auto got = (*kv)->get(kCrashNamespace, key);
      if (!got || *got != crash_value(key)) ++missing;
    }
    EXPECT_EQ(missing, 0u) << "round " << round << ": of " << acknowledged.size() << " acknowledged";
  }
  RecordProperty("acknowledged_writes", static_cast<int>(acknowledged.size()));
}

}  // namespace
}  // namespace hookd::host::test
