// KvStore's default implementations of the read shortcuts, in terms of get().
// Stores that can do better (LmdbKvStore) override them.
#include "hookd/host/kv_store.hpp"

#include "kv_checks.hpp"

namespace hookd::host {

KvResult<bool> KvStore::get_to(std::string_view ns, std::string_view key, std::vector<std::uint8_t>& out) {
  auto value = get(ns, key);
  if (!value) return std::unexpected(std::move(value.error()));
  if (!*value) return false;
  out.insert(out.end(), (*value)->begin(), (*value)->end());
  return true;
}

KvResult<void> KvStore::get_many(std::string_view ns, std::span<const std::string_view> keys,
                                 const ReadEach& each, std::uint64_t max_bytes) {
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    auto value = get(ns, keys[i]);
    if (!value) return std::unexpected(std::move(value.error()));
    const std::string_view view = *value ? std::string_view(**value) : std::string_view();
    total += view.size();
    if (max_bytes != 0 && total > max_bytes) return std::unexpected(detail::batch_too_large(max_bytes));
    each(i, *value ? &view : nullptr);
  }
  return {};
}

}  // namespace hookd::host
