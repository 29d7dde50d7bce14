// What the host lends plugins beyond hookd.log: key-value storage and config
// values (HTTP fetch joins them), as built-in host functions reached through
// hookd.host_call. This is the one place that decides grants: every built-in
// function is registered for every plugin, and each call checks the plugin's
// grants here, so a call to something not granted gets a clear error (and a
// log line), never a trap and never a silent success.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "hookd/config/config.hpp"
#include "hookd/engine/plugin.hpp"
#include "hookd/host/fetch.hpp"
#include "hookd/host/kv_store.hpp"

namespace hookd::host {

struct HostServices {
  KvStore* kv = nullptr;           // not owned; null: no store configured
  HttpFetcher* fetcher = nullptr;  // not owned; null: no outbound HTTP
  // Where the lines a plugin's host calls cause go (a refused grant, a failed
  // fetch): the embedder passes the plugin's own log gate, so a plugin that
  // calls in a loop is held to its log rate like its hookd.log lines. The
  // message is already cut (kMaxHostLogFieldBytes per plugin-chosen field)
  // but not escaped: the gate escapes it as it does plugin lines. Null:
  // spdlog, escaped here, ungated (tests and tools without a gateway).
  engine::PluginLogger log;
};

// The most bytes of a plugin-chosen string (a URL, an error that quotes one)
// a host log line carries; the rest is replaced by its length.
inline constexpr std::size_t kMaxHostLogFieldBytes = 256;

// Names of the built-in host functions (docs/abi.md).
inline constexpr std::string_view kKvGet = "hookd.kv.get";
inline constexpr std::string_view kKvGetMany = "hookd.kv.get_many";
inline constexpr std::size_t kMaxKvBatch = 1000;  // keys per hookd.kv.get_many / kv.read
// Direct form only (hookd.host_call_direct): reads into the plugin's buffers.
inline constexpr std::string_view kKvRead = "hookd.kv.read";
inline constexpr std::uint32_t kKvReadDescriptorBytes = 24;
inline constexpr std::string_view kKvSet = "hookd.kv.set";
inline constexpr std::string_view kKvDelete = "hookd.kv.delete";
inline constexpr std::string_view kKvList = "hookd.kv.list";
inline constexpr std::string_view kKvIncr = "hookd.kv.incr";
inline constexpr std::string_view kKvCas = "hookd.kv.cas";
inline constexpr std::string_view kConfigGet = "hookd.config.get";
inline constexpr std::string_view kFetch = "hookd.fetch";

// The fetch policy of a grant: the allowlist, and for each entry that names
// an IP address literally an exemption for that entry alone (the only way a
// loopback or private address is ever reachable).
FetchPolicy fetch_policy(const config::PluginGrants& grants);

std::vector<engine::HostFunction> builtin_host_functions(const std::string& plugin,
                                                         const config::PluginSettings& settings,
                                                         HostServices services);

}  // namespace hookd::host
