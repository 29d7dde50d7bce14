#include "hookd/host/memory_kv_store.hpp"

#include "kv_checks.hpp"

namespace hookd::host {

using detail::check_key;

MemoryKvStore::MemoryKvStore(KvLimits limits, std::shared_ptr<const util::Clock> clock)
    : limits_(limits), clock_(std::move(clock)) {}

MemoryKvStore::Space& MemoryKvStore::space(std::string_view ns) {
  auto it = namespaces_.find(ns);
  if (it == namespaces_.end()) it = namespaces_.emplace(std::string(ns), Space{}).first;
  return it->second;
}

void MemoryKvStore::erase(Space& space, Keys::iterator it) {
  space.bytes -= std::min(space.bytes, detail::kv_charge(it->first, it->second.value));
  space.keys.erase(it);
}

MemoryKvStore::Entry* MemoryKvStore::live(Space& space, std::string_view key) {
  auto it = space.keys.find(key);
  if (it == space.keys.end()) return nullptr;
  if (it->second.expires && *it->second.expires <= clock_->now()) {
    erase(space, it);
    return nullptr;
  }
  return &it->second;
}

KvResult<void> MemoryKvStore::put(std::string_view ns, Space& space, std::string_view key, Entry entry) {
  auto usage = [&] { return detail::NamespaceUsage{space.bytes, space.keys.size()}; };
  const std::uint64_t charge = detail::kv_charge(key, entry.value);
  auto old_charge = [&]() -> std::optional<std::uint64_t> {
    auto it = space.keys.find(key);
    if (it == space.keys.end()) return std::nullopt;
    return detail::kv_charge(key, it->second.value);
  };
  if (!detail::fits_quota(limits_, usage(), old_charge(), charge)) {
    const auto now = clock_->now();
    for (auto it = space.keys.begin(); it != space.keys.end();) {
      auto next = std::next(it);
      if (it->second.expires && *it->second.expires <= now) erase(space, it);
      it = next;
    }
    if (!detail::fits_quota(limits_, usage(), old_charge(), charge)) {
      return std::unexpected(detail::quota_error(limits_, ns, usage()));
    }
  }
  if (auto it = space.keys.find(key); it != space.keys.end()) erase(space, it);
  space.bytes += charge;
  space.keys.emplace(std::string(key), std::move(entry));
  return {};
}

KvResult<std::optional<std::string>> MemoryKvStore::get(std::string_view ns, std::string_view key) {
  if (auto ok = check_key(limits_, ns, key); !ok) return std::unexpected(ok.error());
  std::lock_guard lock(mu_);
  Entry* e = live(space(ns), key);
  if (!e) return std::optional<std::string>{};
  return std::optional<std::string>{e->value};
}

KvResult<void> MemoryKvStore::set(std::string_view ns, std::string_view key, std::string_view value,
                                  std::optional<std::chrono::milliseconds> ttl) {
  if (auto ok = check_key(limits_, ns, key); !ok) return ok;
  if (auto ok = detail::check_value(limits_, value); !ok) return ok;
  if (auto ok = detail::check_ttl(ttl); !ok) return ok;
  std::lock_guard lock(mu_);
  Entry entry{std::string(value), std::nullopt};
  if (ttl) entry.expires = clock_->now() + *ttl;
  return put(ns, space(ns), key, std::move(entry));
}

KvResult<bool> MemoryKvStore::del(std::string_view ns, std::string_view key) {
  if (auto ok = check_key(limits_, ns, key); !ok) return std::unexpected(ok.error());
  std::lock_guard lock(mu_);
  Space& s = space(ns);
  if (!live(s, key)) return false;
  erase(s, s.keys.find(key));
  return true;
}

KvResult<KvStore::Page> MemoryKvStore::list(std::string_view ns, std::string_view prefix,
                                            std::string_view cursor, std::size_t limit) {
  auto page_size = detail::check_list(limits_, ns, prefix, cursor, limit);
  if (!page_size) return std::unexpected(page_size.error());
  std::lock_guard lock(mu_);
  Keys& keys = space(ns).keys;
  const auto now = clock_->now();
  auto it = cursor.empty() || cursor < prefix ? keys.lower_bound(prefix) : keys.upper_bound(cursor);
  Page page;
  for (; it != keys.end() && it->first.starts_with(prefix); ++it) {
    if (it->second.expires && *it->second.expires <= now) continue;
    if (page.keys.size() == *page_size) {
      page.next_cursor = page.keys.back();
      break;
    }
    page.keys.push_back(it->first);
  }
  return page;
}

KvResult<std::int64_t> MemoryKvStore::incr(std::string_view ns, std::string_view key, std::int64_t delta) {
  if (auto ok = check_key(limits_, ns, key); !ok) return std::unexpected(ok.error());
  std::lock_guard lock(mu_);
  Space& s = space(ns);
  Entry* e = live(s, key);
  auto sum = detail::add_to_counter(e ? std::optional<std::string_view>(e->value) : std::nullopt, delta);
  if (!sum) return sum;
  // Keeps the TTL, as Redis INCRBY does.
  Entry next{std::to_string(*sum), e ? e->expires : std::nullopt};
  if (auto ok = put(ns, s, key, std::move(next)); !ok) return std::unexpected(ok.error());
  return sum;
}

KvResult<bool> MemoryKvStore::cas(std::string_view ns, std::string_view key,
                                  std::optional<std::string_view> expected,
                                  std::optional<std::string_view> desired) {
  if (auto ok = check_key(limits_, ns, key); !ok) return std::unexpected(ok.error());
  if (desired) {
    if (auto ok = detail::check_value(limits_, *desired); !ok) return std::unexpected(ok.error());
  }
  std::lock_guard lock(mu_);
  Space& s = space(ns);
  Entry* e = live(s, key);
  const bool matches = expected ? (e && e->value == *expected) : !e;
  if (!matches) return false;
  if (desired) {
    if (auto ok = put(ns, s, key, Entry{std::string(*desired), std::nullopt}); !ok)
      return std::unexpected(ok.error());
  } else if (e) {
    erase(s, s.keys.find(key));
  }
  return true;
}

}  // namespace hookd::host
