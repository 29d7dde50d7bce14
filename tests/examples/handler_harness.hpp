// One example handler (examples/handlers) loaded the way the gateway loads
// it: the wasm the build made, the real built-in host functions with the
// grants of its example settings, a KV store the test owns. A call takes an
// HTTP exchange (tests/host/exchange_support.hpp) and gives back what a
// client would get: the status and headers the plugin set, and the body.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "exchange_support.hpp"
#include "hookd/hookd.hpp"
#include "hookd/host/plugin_services.hpp"
#include "test_plugins.hpp"

namespace hookd::test {

struct Answer {
  int status = 0;  // 0: the plugin set none, or the call failed
  struct Header {
    std::string name;
    std::string value;
  };
  std::vector<Header> headers;
  std::string body;
  std::optional<engine::Error> error;  // the call failed

  // The first value of header `name` (any case), or "" when absent.
  [[nodiscard]] std::string header(std::string_view name) const {
    for (const auto& h : headers) {
      if (engine::header_name_equal(h.name, name)) return h.value;
    }
    return {};
  }
  [[nodiscard]] size_t count(std::string_view name) const {
    size_t n = 0;
    for (const auto& h : headers) n += engine::header_name_equal(h.name, name) ? 1 : 0;
    return n;
  }
};

// The settings of the examples as server/src/composition.cpp gives them
// (the gateway tests check the real ones end to end).
inline config::PluginSettings webhook_settings(std::string secret = "hookd-example-secret") {
  config::PluginSettings s;
  s.config["secret"] = std::move(secret);
  s.grants.config = true;
  s.grants.crypto = true;
  s.grants.kv = config::KvGrant{"webhook", config::KvMode::read_write};
  return s;
}

inline config::PluginSettings shortener_settings() {
  config::PluginSettings s;
  s.grants.kv = config::KvGrant{"shortener", config::KvMode::read_write};
  return s;
}

class Handler {
 public:
  Handler(const std::string& name, std::string_view file, const config::PluginSettings& settings,
          host::KvStore* kv, std::shared_ptr<RandomSource> random = nullptr) {
    PluginOptions options;
    options.name = name;
    options.random = std::move(random);
    host::HostServices services;
    services.kv = kv;
    options.host_functions = host::builtin_host_functions(name, settings, services);
    auto loaded = Plugin::load_file(plugin_path(file), std::move(options));
    if (!loaded) {
      ADD_FAILURE() << file << ": " << loaded.error().describe();
      return;
    }
    plugin_.emplace(std::move(*loaded));
  }

  [[nodiscard]] bool loaded() const { return plugin_.has_value(); }

  Answer call(std::string_view fn, Exchange& ex, std::string_view body = {}) {
    Answer a;
    if (!plugin_) {
      a.error = engine::Error{};
      return a;
    }
    auto out = plugin_->call(fn, bytes(body), ex.context());
    if (!out) {
      a.error = out.error();
      return a;
    }
    a.status = ex.response.status();
    for (const auto& h : ex.response.headers())
      a.headers.push_back({std::string(h.name), std::string(h.value)});
    a.body = text(*out);
    return a;
  }

 private:
  std::optional<Plugin> plugin_;
};

}  // namespace hookd::test
