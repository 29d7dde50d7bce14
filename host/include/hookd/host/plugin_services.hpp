// What the host lends plugins beyond hookd.log: key-value storage, config
// values, HTTP fetch, crypto, and the HTTP request and response of the call,
// as built-in host functions reached through hookd.host_call. This is the one place that decides grants:
// every built-in function is registered for every plugin, and each call checks the plugin's grants here, so a
// call to something not granted gets a clear error (and a log line), never a trap and never a silent success.
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
inline constexpr std::string_view kConfigList = "hookd.config.list";  // every pair (wasi:config get-all)
inline constexpr std::string_view kFetch = "hookd.fetch";

// The HTTP request the call answers (CallContext::request), read lazily: no
// grant needed, it is the plugin's own input. Wire layouts in docs/abi.md.
inline constexpr std::string_view kRequestMethod = "hookd.request.method";
inline constexpr std::string_view kRequestPath = "hookd.request.path";  // raw, as received
inline constexpr std::string_view kRequestPathDecoded = "hookd.request.path_decoded";
inline constexpr std::string_view kRequestQuery = "hookd.request.query";  // raw, without '?'
inline constexpr std::string_view kRequestQueryParam = "hookd.request.query_param";
inline constexpr std::string_view kRequestRouteParam = "hookd.request.route_param";
inline constexpr std::string_view kRequestHeader = "hookd.request.header";
// hookd.request.header's direct form: descriptors of seven u32, the value
// read straight into the plugin's buffer.
inline constexpr std::uint32_t kRequestHeaderDescriptorBytes = 28;
inline constexpr std::uint32_t kMaxDirectHeaders = 100;  // descriptors per direct call
inline constexpr std::string_view kRequestHeaders = "hookd.request.headers";
inline constexpr std::string_view kRequestClientAddress = "hookd.request.client_address";
inline constexpr std::string_view kRequestId = "hookd.request.id";
inline constexpr std::string_view kRequestTraceparent = "hookd.request.traceparent";
// The response the plugin shapes (CallContext::response).
inline constexpr std::string_view kResponseStatus = "hookd.response.status";
inline constexpr std::string_view kResponseHeader = "hookd.response.header";
// hookd.response.header's direct form: descriptors of four u32, the name and
// value read in place.
inline constexpr std::uint32_t kResponseHeaderDescriptorBytes = 16;
// Crypto for handlers (the crypto grant): digests are 32 raw bytes.
inline constexpr std::string_view kCryptoSha256 = "hookd.crypto.sha256";
inline constexpr std::string_view kCryptoHmacSha256 = "hookd.crypto.hmac_sha256";
inline constexpr std::string_view kCryptoEqual = "hookd.crypto.equal";  // constant time

// The fetch policy of a grant: the allowlist, and for each entry that names
// an IP address literally an exemption for that entry alone (the only way a
// loopback or private address is ever reachable).
FetchPolicy fetch_policy(const config::PluginGrants& grants);

std::vector<engine::HostFunction> builtin_host_functions(const std::string& plugin,
                                                         const config::PluginSettings& settings,
                                                         HostServices services);

}  // namespace hookd::host
