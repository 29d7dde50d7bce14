// The KV store and fetcher each plugin is lent: the gateway's own, wrapped
// so that every call a plugin makes is counted under its name
// (host_call_stats.hpp): calls by operation, errors, latency and bytes;
// and, inside a traced plugin call (call_trace.hpp), each call's span, and
// the trace carried upstream by each fetch.
// A plugin keeps the same wrappers across reloads; they live as long as
// this object, which the gateway builds before anything that runs plugins
// and destroys after.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "hookd/host/fetch.hpp"
#include "hookd/host/kv_store.hpp"
#include "observability/metrics.hpp"

namespace hookd::server {

class PluginHostServices {
 public:
  // `fetcher` may be null (no outbound HTTP); so is every plugin's then.
  // `kv_system` names the store in KV spans (db.system.name: lmdb, redis,
  // memory); a constant.
  PluginHostServices(host::KvStore& kv, std::string_view kv_system, host::HttpFetcher* fetcher,
                     Metrics& metrics);
  ~PluginHostServices();
  PluginHostServices(const PluginHostServices&) = delete;
  PluginHostServices& operator=(const PluginHostServices&) = delete;

  struct Lent {
    host::KvStore* kv;
    host::HttpFetcher* fetcher;  // null when there is no fetcher
  };
  // What `plugin` is lent. Any thread (the loader's).
  Lent for_plugin(std::string_view plugin);

 private:
  struct Wrappers;

  host::KvStore& kv_;
  std::string_view kv_system_;
  host::HttpFetcher* fetcher_;
  Metrics& metrics_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<Wrappers>, std::less<>> by_plugin_;
};

}  // namespace hookd::server
