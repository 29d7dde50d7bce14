// What a Gateway is built from. The gateway core creates none of these
// itself: the composition root (composition.hpp, for `hookd serve`) builds
// the real ones from the configuration, and tests pass in-memory ones (the
// memory KV store, the fake fetcher, a fixed clock and fixed random bytes).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "hookd/config/config.hpp"
#include "hookd/engine/vm.hpp"
#include "hookd/host/fetch.hpp"
#include "hookd/host/kv_store.hpp"

namespace hookd::server {

// Random bytes (the generated admin token, request id prefixes).
class RandomSource {
 public:
  virtual ~RandomSource() = default;
  // Fills `out`; false when no randomness is available.
  virtual bool fill(std::span<uint8_t> out) = 0;
};

// The wall clock (when a plugin was loaded, as the admin API reports it).
class Clock {
 public:
  virtual ~Clock() = default;
  [[nodiscard]] virtual std::chrono::system_clock::time_point now() const = 0;
};

// A plugin module to load at startup.
struct PluginFile {
  std::string name;
  std::vector<uint8_t> wasm;
  config::PluginSettings settings;
  std::string origin;  // where it came from, for error messages (a path)
};

struct PluginSource {
  // Must all load, or the gateway does not start.
  std::vector<PluginFile> configured;
  // Loaded only when nothing else is (none configured, none uploaded
  // earlier); a failure is logged (the example plugins).
  std::vector<PluginFile> fallback;
};

struct GatewayParts {
  std::unique_ptr<engine::Vm> vm;
  std::unique_ptr<host::KvStore> kv;           // shared by every plugin granted KV
  std::unique_ptr<host::HttpFetcher> fetcher;  // for plugins granted fetch (null: none)
  std::unique_ptr<Clock> clock;
  std::unique_ptr<RandomSource> entropy;
  PluginSource plugins;
};

}  // namespace hookd::server
