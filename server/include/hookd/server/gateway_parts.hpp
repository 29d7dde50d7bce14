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
#include "hookd/util/clock.hpp"
#include "hookd/util/random.hpp"

namespace hookd::server {

// Random bytes (the generated admin token, request id prefixes, and every
// plugin's WASI random_get): the entropy source of every layer.
using util::RandomSource;

// The wall clock (when a plugin was loaded, as the admin API reports it).
using util::Clock;

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
  std::shared_ptr<const Clock> clock;
  std::shared_ptr<RandomSource> entropy;  // shared with every plugin it loads
  PluginSource plugins;
};

}  // namespace hookd::server
