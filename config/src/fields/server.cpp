// [server]: where the gateway listens, its data and admin token, whom it trusts.
#include "fields/kinds.hpp"
#include "fields/ranges.hpp"
#include "fields/sections.hpp"
#include "fields/string_checks.hpp"

namespace hookd::config::detail {

std::vector<FieldSpec<Config>> server_fields() {
  using C = Config;
  return {
      address<C>(
          "server", "listen", HostRule::ip_literal, true, [](auto& c) -> auto& { return c.server.listen; }),
      address<C>(
          "server", "admin_listen", HostRule::ip_literal, true,
          [](auto& c) -> auto& { return c.server.admin_listen; }),
      integer<C>(
          "server", "workers", {0, 256}, [](auto& c) -> auto& { return c.server.workers; }),
      string<C>(
          "server", "data_dir", kMaxPathLength, [](auto& c) -> auto& { return c.server.data_dir; },
          check_not_empty),
      string<C>(
          "server", "admin_token", kMaxSecretLength, [](auto& c) -> auto& { return c.server.admin_token; },
          check_token),
      parsed_list<C>(
          "server", "trusted_proxies", [](auto& c) -> auto& { return c.server.trusted_proxies; }),
      integer<C>(
          "server", "drain_quiet_ms", {0, 600'000}, [](auto& c) -> auto& { return c.server.drain_quiet; }),
      integer<C>(
          "server", "drain_accept_max_ms", {0, 3'600'000},
          [](auto& c) -> auto& { return c.server.drain_accept_max; }),
      integer<C>(
          "server", "drain_timeout_ms", {0, 3'600'000},
          [](auto& c) -> auto& { return c.server.drain_timeout; }),
      boolean<C>(
          "server", "load_example_plugins", [](auto& c) -> auto& { return c.server.load_example_plugins; }),
      boolean<C>(
          "server", "public_metrics", [](auto& c) -> auto& { return c.server.public_metrics; }),
      boolean<C>(
          "server", "public_plugin_list", [](auto& c) -> auto& { return c.server.public_plugin_list; }),
      integer<C>(
          "server", "keep_versions", {1, 100}, [](auto& c) -> auto& { return c.server.keep_versions; }),
      boolean<C>(
          "server", "version_override", [](auto& c) -> auto& { return c.server.version_override; }),
      boolean<C>(
          "server", "version_header", [](auto& c) -> auto& { return c.server.version_header; }),
  };
}

}  // namespace hookd::config::detail
