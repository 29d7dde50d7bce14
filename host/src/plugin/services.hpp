// The built-in host functions, one file per service; builtin_host_functions()
// (plugin_services.hpp) gathers them. Private to host/src/plugin.
#pragma once

#include <memory>
#include <vector>

#include "hookd/engine/plugin.hpp"
#include "hookd/host/fetch.hpp"
#include "hookd/host/kv_store.hpp"
#include "plugin/plugin_grants.hpp"

namespace hookd::host::detail {

// hookd.kv.* (the kv grant); `kv` may be null (no store configured).
void add_kv_functions(std::vector<engine::HostFunction>& fns, const std::shared_ptr<const Grants>& g,
                      KvStore* kv);
// hookd.config.get (the config grant).
void add_config_function(std::vector<engine::HostFunction>& fns, const std::shared_ptr<const Grants>& g);
// hookd.fetch (the fetch allowlist); `fetcher` may be null (no outbound HTTP).
void add_fetch_function(std::vector<engine::HostFunction>& fns, const std::shared_ptr<const Grants>& g,
                        HttpFetcher* fetcher);

// hookd.request.*: the call's request, read only when asked.
void add_request_functions(std::vector<engine::HostFunction>& fns);
// hookd.response.*: status and headers, validated by the call's ResponseSink.
void add_response_functions(std::vector<engine::HostFunction>& fns, const std::shared_ptr<const Grants>& g);
// hookd.crypto.*: SHA-256, HMAC-SHA256, constant-time compare (crypto grant).
void add_crypto_functions(std::vector<engine::HostFunction>& fns, const std::shared_ptr<const Grants>& g);

}  // namespace hookd::host::detail
