#include "hookd/load/plot.hpp"

#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>

#include "hookd/load/report.hpp"

extern char** environ;

namespace hookd::load {
namespace fs = std::filesystem;
namespace {

constexpr auto kGnuplotLimit = std::chrono::seconds(30);

bool on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  if (!path) return false;
  std::string_view rest(path);
  while (!rest.empty()) {
    const auto colon = rest.find(':');
    const auto dir = rest.substr(0, colon);
    if (!dir.empty() && ::access((fs::path(dir) / program).c_str(), X_OK) == 0) return true;
    if (colon == std::string_view::npos) break;
    rest.remove_prefix(colon + 1);
  }
  return false;
}

std::string quote(const std::string& s) {  // gnuplot single-quoted string
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

std::expected<void, std::string> run_gnuplot(const std::string& script_path) {
  pid_t pid = 0;
  std::string arg0 = "gnuplot";
  std::string arg1 = script_path;
  char* argv[] = {arg0.data(), arg1.data(), nullptr};
  if (int rc = posix_spawnp(&pid, "gnuplot", nullptr, nullptr, argv, environ); rc != 0)
    return std::unexpected(fmt::format("cannot start gnuplot: {}", std::strerror(rc)));
  // gnuplot on a small data file takes well under a second; bound it anyway.
  const auto deadline = std::chrono::steady_clock::now() + kGnuplotLimit;
  int status = 0;
  for (;;) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0) return std::unexpected("waiting for gnuplot failed");
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return std::unexpected("gnuplot did not finish within 30s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return std::unexpected("gnuplot failed (see its message above)");
  return {};
}

}  // namespace

std::expected<void, std::string> check_plot_tool() {
  if (!on_path("gnuplot"))
    return std::unexpected(
        "--plot needs gnuplot, which is not on PATH (install it: apt-get install gnuplot-nox)");
  return {};
}

std::string plot_data(const std::vector<Sample>& samples) {
  std::string out = "# second\treq_per_s\tp50_ms\tp90_ms\tp99_ms\tmax_ms\n";
  for (const auto& s : samples)
    out +=
        fmt::format("{}\t{:.3f}\t{:.6f}\t{:.6f}\t{:.6f}\t{:.6f}\n",
                    static_cast<double>(s.second) + s.length_s, static_cast<double>(s.requests) / s.length_s,
                    s.p50_ns / 1e6, s.p90_ns / 1e6, s.p99_ns / 1e6, s.max_ns / 1e6);
  return out;
}

std::string plot_script(const std::string& data_path, const std::string& png_path, const std::string& title) {
  const std::string data = quote(data_path);
  return fmt::format(R"gp(if (strstrt(GPVAL_TERMINALS, "pngcairo") > 0) {{
  set terminal pngcairo size 1200,900 noenhanced
}} else {{
  set terminal png size 1200,900 noenhanced
}}
set output {png}
set datafile separator "\t"
set multiplot layout 2,1 title {title}
set grid
set key outside right
set xlabel "time (s)"
set ylabel "latency (ms)"
set logscale y
plot {data} using 1:3 with linespoints title "p50", \
     {data} using 1:4 with linespoints title "p90", \
     {data} using 1:5 with linespoints title "p99", \
     {data} using 1:6 with linespoints title "max"
unset logscale y
set ylabel "requests/s"
set yrange [0:*]
set offsets 0, 0, graph 0.1, 0
plot {data} using 1:2 with linespoints title "throughput"
unset multiplot
)gp",
                     fmt::arg("png", quote(png_path)), fmt::arg("title", quote(title)),
                     fmt::arg("data", data));
}

std::expected<void, std::string> render_plot(const std::vector<Sample>& samples, const std::string& png_path,
                                             const std::string& title) {
  if (auto tool = check_plot_tool(); !tool) return tool;
  if (samples.empty()) return std::unexpected("nothing to plot: the run lasted less than a second");
  std::string dir_template = (fs::temp_directory_path() / "hookd-load-plot-XXXXXX").string();
  if (!::mkdtemp(dir_template.data()))
    return std::unexpected("cannot create a temporary directory for the plot");
  const fs::path dir = dir_template;
  const auto data_path = (dir / "series.tsv").string();
  const auto script_path = (dir / "plot.gp").string();
  auto result = write_file(data_path, plot_data(samples));
  if (result) result = write_file(script_path, plot_script(data_path, png_path, title));
  if (result) result = run_gnuplot(script_path);
  std::error_code ec;
  fs::remove_all(dir, ec);
  return result;
}

}  // namespace hookd::load
