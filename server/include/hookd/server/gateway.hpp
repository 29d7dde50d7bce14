// hookd's gateway as a library: `hookd serve` is a thin main around it, and
// integration tests run it in-process on port 0. It is built from parts it is
// given (gateway_parts.hpp): the real ones come from the composition root
// (composition.hpp), tests may pass in-memory ones.
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
#include "hookd/server/error.hpp"
#include "hookd/server/gateway_parts.hpp"

namespace hookd::server {

class Gateway {
 public:
  // Starts workers, loads plugins, binds the listeners and starts serving.
  // `parts` must have a VM, a KV store, a clock and a random source.
  static ServerResult<std::unique_ptr<Gateway>> start(config::Config config, GatewayParts parts);
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
