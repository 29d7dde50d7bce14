// In-memory KvStore: the fake for unit tests (and a reference for the
// semantics). One mutex; time comes from an injected clock.
#pragma once

#include <map>
#include <mutex>

#include "hookd/host/kv_store.hpp"
#include "hookd/util/clock.hpp"

namespace hookd::host {

class MemoryKvStore final : public KvStore {
 public:
  explicit MemoryKvStore(KvLimits limits = {},
                         std::shared_ptr<const util::Clock> clock = util::system_clock());

  KvResult<std::optional<std::string>> get(std::string_view ns, std::string_view key) override;
  KvResult<void> set(std::string_view ns, std::string_view key, std::string_view value,
                     std::optional<std::chrono::milliseconds> ttl = {}) override;
  KvResult<bool> del(std::string_view ns, std::string_view key) override;
  KvResult<Page> list(std::string_view ns, std::string_view prefix, std::string_view cursor,
                      std::size_t limit) override;
  KvResult<std::int64_t> incr(std::string_view ns, std::string_view key, std::int64_t delta) override;
  KvResult<bool> cas(std::string_view ns, std::string_view key, std::optional<std::string_view> expected,
                     std::optional<std::string_view> desired) override;

 private:
  struct Entry {
    std::string value;
    std::optional<std::chrono::system_clock::time_point> expires;
  };
  using Keys = std::map<std::string, Entry, std::less<>>;
  struct Space {
    Keys keys;
    std::uint64_t bytes = 0;  // key + value bytes of keys, for the quota
  };

  // The namespace, created empty if need be. Caller holds mu_.
  Space& space(std::string_view ns);
  // The live entry for key, erasing it if it has expired. Caller holds mu_.
  Entry* live(Space& space, std::string_view key);
  void erase(Space& space, Keys::iterator it);
  // Stores value under key unless that takes the namespace past its quota
  // (after erasing its expired keys). Caller holds mu_.
  KvResult<void> put(std::string_view ns, Space& space, std::string_view key, Entry entry);

  const KvLimits limits_;
  const std::shared_ptr<const util::Clock> clock_;  // TTLs are wall time
  std::mutex mu_;
  std::map<std::string, Space, std::less<>> namespaces_;
};

}  // namespace hookd::host
