// hookd-load: parse flags, run, report. Exit 0 on a completed run, 1 when the
// run could not be done (target down, files), 2 on a bad command line.
#include <unistd.h>

#include <cstdio>

#include "hookd/load/options.hpp"
#include "hookd/load/plot.hpp"
#include "hookd/load/report.hpp"
#include "hookd/load/runner.hpp"

int main(int argc, char** argv) {
  using namespace hookd::load;
  auto options = parse_options(argc, argv);
  if (!options) {
    std::fputs((options.error().message + "\n").c_str(), options.error().exit_code == 0 ? stdout : stderr);
    return options.error().exit_code;
  }
  if (!options->plot_path.empty()) {
    if (auto tool = check_plot_tool(); !tool) {
      std::fprintf(stderr, "hookd-load: %s\n", tool.error().c_str());
      return 1;
    }
  }

  RunHooks hooks;
  hooks.stop_on_signals = true;
  const bool live = options->progress && ::isatty(STDERR_FILENO);
  if (live) {
    hooks.on_second = [](const Sample& sample, const Stats& cumulative) {
      std::fprintf(stderr, "\r\033[K%s", format_progress(sample, cumulative).c_str());
      std::fflush(stderr);
    };
  }
  auto result = run(*options, hooks);
  if (live) std::fputs("\r\033[K", stderr);
  if (!result) {
    std::fprintf(stderr, "hookd-load: %s\n", result.error().c_str());
    return 1;
  }
  std::fputs(format_table(*options, *result).c_str(), stdout);

  int status = 0;
  if (!options->json_path.empty()) {
    if (auto w = write_file(options->json_path, format_json(*options, *result)); !w) {
      std::fprintf(stderr, "hookd-load: %s\n", w.error().c_str());
      status = 1;
    }
  }
  if (!options->plot_path.empty()) {
    if (auto p = render_plot(result->timeline, options->plot_path, "hookd-load " + target_url(*options));
        !p) {
      std::fprintf(stderr, "hookd-load: %s\n", p.error().c_str());
      status = 1;
    }
  }
  if (result->total.requests > 0 && result->total.responses == 0) {
    std::fputs("hookd-load: no request got a response\n", stderr);
    status = 1;
  }
  return status;
}
