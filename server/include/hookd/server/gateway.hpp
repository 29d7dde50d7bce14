// hookd's gateway as a library: `hookd serve` is a thin main around it, and
// integration tests run it in-process on port 0.
//
// Design (docs/architecture.md): N I/O workers, each an Asio event loop
// thread owning one V8 isolate with an instance of every plugin; each worker
// accepts on the shared port (SO_REUSEPORT) and runs plugin calls inline. The
// admin API has its own listener and thread, which compiles plugins once and
// has every worker instantiate them before publishing the new version.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "hookd/config/config.hpp"
#include "hookd/engine/result.hpp"

namespace hookd::server {

struct GatewayOptions {
  config::Config config;
  // Where the example plugins are, for config.server.load_example_plugins.
  std::filesystem::path example_plugin_dir;
};

class Gateway {
 public:
  // Starts workers, loads plugins, binds the listeners and starts serving.
  static engine::Result<std::unique_ptr<Gateway>> start(GatewayOptions options);
  ~Gateway();

  [[nodiscard]] uint16_t port() const;
  [[nodiscard]] uint16_t admin_port() const;
  [[nodiscard]] const std::string& admin_token() const;
  // Where a generated admin token was written (empty when configured).
  [[nodiscard]] const std::filesystem::path& admin_token_file() const;

  // Graceful stop: /readyz turns 503, listeners close, idle connections
  // close, in-flight requests finish (bounded by server.drain_timeout),
  // WebSockets close with 1001. Returns true if everything drained in time.
  bool drain();
  // Stops everything now (drain() first for a graceful stop).
  void stop();
  // Opens the access log file again (SIGHUP, after logrotate moved it).
  void reopen_logs();

  struct Impl;

 private:
  explicit Gateway(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace hookd::server
