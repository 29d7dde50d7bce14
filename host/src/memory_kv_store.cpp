#include "hookd/host/memory_kv_store.hpp"

#include "kv_checks.hpp"

namespace hookd::host {

using detail::check_key;

MemoryKvStore::MemoryKvStore(KvLimits limits, KvClock clock) : limits_(limits), clock_(std::move(clock)) {}

MemoryKvStore::Entry* MemoryKvStore::live(Keys& keys, std::string_view key) {
  auto it = keys.find(key);
  if (it == keys.end()) return nullptr;
  if (it->second.expires && *it->second.expires <= clock_()) {
    keys.erase(it);
    return nullptr;
  }
  return &it->second;
}

KvResult<std::optional<std::string>> MemoryKvStore::get(std::string_view ns, std::string_view key) {
  if (auto ok = check_key(limits_, ns, key); !ok) return std::unexpected(ok.error());
  std::lock_guard lock(mu_);
  Entry* e = live(namespaces_[std::string(ns)], key);
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
  if (ttl) entry.expires = clock_() + *ttl;
  namespaces_[std::string(ns)].insert_or_assign(std::string(key), std::move(entry));
  return {};
}

KvResult<bool> MemoryKvStore::del(std::string_view ns, std::string_view key) {
  if (auto ok = check_key(limits_, ns, key); !ok) return std::unexpected(ok.error());
  std::lock_guard lock(mu_);
  Keys& keys = namespaces_[std::string(ns)];
  if (!live(keys, key)) return false;
  keys.erase(keys.find(key));
  return true;
}

KvResult<KvStore::Page> MemoryKvStore::list(std::string_view ns, std::string_view prefix,
                                            std::string_view cursor, std::size_t limit) {
  auto page_size = detail::check_list(limits_, ns, prefix, cursor, limit);
  if (!page_size) return std::unexpected(page_size.error());
  std::lock_guard lock(mu_);
  Keys& keys = namespaces_[std::string(ns)];
  const auto now = clock_();
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
  Keys& keys = namespaces_[std::string(ns)];
  Entry* e = live(keys, key);
  auto sum = detail::add_to_counter(e ? std::optional<std::string_view>(e->value) : std::nullopt, delta);
  if (!sum) return sum;
  if (e) {
    e->value = std::to_string(*sum);  // keeps the TTL, as Redis INCRBY does
  } else {
    keys.insert_or_assign(std::string(key), Entry{std::to_string(*sum), std::nullopt});
  }
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
  Keys& keys = namespaces_[std::string(ns)];
  Entry* e = live(keys, key);
  const bool matches = expected ? (e && e->value == *expected) : !e;
  if (!matches) return false;
  if (desired) {
    keys.insert_or_assign(std::string(key), Entry{std::string(*desired), std::nullopt});
  } else if (e) {
    keys.erase(keys.find(key));
  }
  return true;
}

}  // namespace hookd::host
