// [kv] and [kv.redis]: the store behind the plugins' key-value host functions.
#include "fields/kinds.hpp"
#include "fields/ranges.hpp"
#include "fields/sections.hpp"

namespace hookd::config::detail {

std::vector<FieldSpec<Config>> kv_fields() {
  using C = Config;
  return {
      choice<C>(
          "kv", "backend", kKvBackends, [](auto& c) -> auto& { return c.kv.backend; }),
      integer<C>(
          "kv", "map_size_mb", {1, 1'048'576}, [](auto& c) -> auto& { return c.kv.map_size_mb; }),
      integer<C>(
          "kv", "read_cache_kb", {0, 1'048'576}, [](auto& c) -> auto& { return c.kv.read_cache_kb; }),
      integer<C>(
          "kv", "namespace_max_bytes", {1, 1'099'511'627'776},
          [](auto& c) -> auto& { return c.kv.namespace_max_bytes; }),
      integer<C>(
          "kv", "namespace_max_keys", {1, 1'000'000'000},
          [](auto& c) -> auto& { return c.kv.namespace_max_keys; }),
      address<C>(
          "kv.redis", "address", HostRule::ip_or_domain, false,
          [](auto& c) -> auto& { return c.kv.redis.address; }),
      string<C>(
          "kv.redis", "password", kMaxSecretLength, [](auto& c) -> auto& { return c.kv.redis.password; }),
      integer<C>(
          "kv.redis", "database", {0, 65'535}, [](auto& c) -> auto& { return c.kv.redis.database; }),
      integer<C>(
          "kv.redis", "connect_timeout_ms", kNetworkTimeoutMs,
          [](auto& c) -> auto& { return c.kv.redis.connect_timeout; }),
      integer<C>(
          "kv.redis", "command_timeout_ms", kNetworkTimeoutMs,
          [](auto& c) -> auto& { return c.kv.redis.command_timeout; }),
      integer<C>(
          "kv.redis", "pool_size", {1, 1024}, [](auto& c) -> auto& { return c.kv.redis.pool_size; }),
  };
}

}  // namespace hookd::config::detail
