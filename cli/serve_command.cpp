#include "serve_command.hpp"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <iostream>

#include "hookd/config/env_names.hpp"
#include "hookd/server/composition.hpp"
#include "hookd/server/gateway.hpp"
#include "hookd/server/log_format.hpp"

namespace hookd::cli {
namespace {

spdlog::level::level_enum to_spdlog(config::LogLevel l) {
  switch (l) {
    case config::LogLevel::trace:
      return spdlog::level::trace;
    case config::LogLevel::debug:
      return spdlog::level::debug;
    case config::LogLevel::info:
      return spdlog::level::info;
    case config::LogLevel::warn:
      return spdlog::level::warn;
    case config::LogLevel::error:
      return spdlog::level::err;
    case config::LogLevel::off:
      return spdlog::level::off;
  }
  return spdlog::level::info;
}

}  // namespace

int run_serve(const ServeArgs& args) {
  config::LoadRequest request{args.config_file, config::process_environment(), args.overrides};
  auto cfg = config::load(request);
  // The environment layer looks variables up by name: a misspelt one would
  // be ignored, so the names that are set are checked too.
  config::Errors unknown = config::check_variable_names(config::hookd_variable_names());
  if (!cfg || !unknown.empty()) {
    config::Errors errors = cfg ? config::Errors{} : std::move(cfg.error());
    errors.insert(errors.end(), std::make_move_iterator(unknown.begin()),
                  std::make_move_iterator(unknown.end()));
    std::cerr << "hookd: invalid configuration:\n" << config::to_string(errors) << "\n";
    return 2;
  }
  // Plugin files are part of the configuration: a missing one would stop
  // `serve`, so --check-config reports it too.
  bool missing = false;
  for (const auto& p : cfg->plugins) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(p.path, ec)) {
      std::cerr << "hookd: plugin " << p.name << ": cannot read " << p.path.string() << "\n";
      missing = true;
    }
  }
  if (missing) return 2;
  if (args.check_config) {
    std::cout << "configuration ok (" << cfg->plugins.size() << " plugins)\n";
    return 0;
  }
  spdlog::set_level(to_spdlog(cfg->log.level));
  if (cfg->log.format == config::LogFormat::json)
    spdlog::set_formatter(server::make_log_formatter(cfg->log.format));

  // Block the stop signals in every thread; this one waits for them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);  // reopens the access log file (logrotate)
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  server::GatewayOptions options{std::move(*cfg), args.example_plugin_dir};
  auto gateway = server::start_gateway(std::move(options));
  if (!gateway) {
    spdlog::error("hookd cannot start: {}", gateway.error().message);  // the message names what failed
    return 1;
  }
  int sig = 0;
  while (sigwait(&signals, &sig) == 0 && sig == SIGHUP) (*gateway)->reopen_logs();
  spdlog::info("received {}, draining", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  const bool drained = (*gateway)->drain();
  (*gateway)->stop();
  spdlog::info("hookd stopped ({})", drained ? "all requests finished" : "drain timeout");
  // A supervisor (systemd, Kubernetes) sees that requests were cut off.
  return drained ? 0 : 3;
}

}  // namespace hookd::cli
