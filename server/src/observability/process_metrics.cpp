#include "observability/process_metrics.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>

namespace hookd::server {
namespace {

// The whole of a small /proc file (they report a size of 0, so read to the end).
std::optional<std::string> slurp(const char* path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::optional<uint64_t> number(std::string_view s) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// Field `n` (1-based, as proc(5) numbers them) of /proc/self/stat. The
// second field, the command name in parentheses, may hold spaces and
// parentheses of its own: counting starts after its last ')'.
std::optional<uint64_t> stat_field(std::string_view stat, size_t n) {
  const size_t close = stat.rfind(')');
  if (close == std::string_view::npos || n < 3) return std::nullopt;
  std::string_view rest = stat.substr(close + 1);
  for (size_t field = 3;; ++field) {
    const size_t begin = rest.find_first_not_of(' ');
    if (begin == std::string_view::npos) return std::nullopt;
    rest.remove_prefix(begin);
    const size_t end = std::min(rest.find(' '), rest.size());
    if (field == n) return number(rest.substr(0, end));
    rest.remove_prefix(end);
  }
}

// The boot time, from the "btime" line of /proc/stat.
std::optional<uint64_t> boot_time_seconds() {
  const auto stat = slurp("/proc/stat");
  if (!stat) return std::nullopt;
  const size_t at = stat->find("\nbtime ");
  if (at == std::string::npos) return std::nullopt;
  const size_t begin = at + 7;
  const size_t end = stat->find('\n', begin);
  return number(std::string_view(*stat).substr(begin, end - begin));
}

uint64_t count_open_fds() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return 0;
  const int own = ::dirfd(dir);
  uint64_t n = 0;
  while (const dirent* e = ::readdir(dir)) {
    const auto fd = number(e->d_name);
    if (fd && static_cast<int>(*fd) != own) ++n;  // not ".", "..", nor the one reading
  }
  ::closedir(dir);
  return n;
}

}  // namespace

std::optional<ProcessStats> read_process_stats() {
  const auto stat = slurp("/proc/self/stat");
  if (!stat) return std::nullopt;
  const auto utime = stat_field(*stat, 14);
  const auto stime = stat_field(*stat, 15);
  const auto start_ticks = stat_field(*stat, 22);
  const auto vsize = stat_field(*stat, 23);
  const auto rss_pages = stat_field(*stat, 24);
  const long ticks = ::sysconf(_SC_CLK_TCK);
  const long page = ::sysconf(_SC_PAGESIZE);
  if (!utime || !stime || !start_ticks || !vsize || !rss_pages || ticks <= 0 || page <= 0)
    return std::nullopt;
  ProcessStats s;
  s.cpu_seconds = static_cast<double>(*utime + *stime) / static_cast<double>(ticks);
  s.resident_bytes = *rss_pages * static_cast<uint64_t>(page);
  s.virtual_bytes = *vsize;
  if (const auto boot = boot_time_seconds()) {
    s.start_time_seconds =
        static_cast<double>(*boot) + static_cast<double>(*start_ticks) / static_cast<double>(ticks);
  }
  s.open_fds = count_open_fds();
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) s.max_fds = limit.rlim_cur;
  return s;
}

void render_process_metrics(prom::Exposition& e) {
  const auto s = read_process_stats();
  if (!s) return;
  e.family("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.");
  e.sample("process_cpu_seconds_total", {}, s->cpu_seconds);
  e.family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
  e.sample("process_resident_memory_bytes", {}, s->resident_bytes);
  e.family("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.");
  e.sample("process_virtual_memory_bytes", {}, s->virtual_bytes);
  e.family("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.");
  e.sample("process_start_time_seconds", {}, s->start_time_seconds);
  e.family("process_open_fds", "gauge", "Number of open file descriptors.");
  e.sample("process_open_fds", {}, s->open_fds);
  e.family("process_max_fds", "gauge", "Maximum number of open file descriptors.");
  e.sample("process_max_fds", {}, s->max_fds);
}

}  // namespace hookd::server
