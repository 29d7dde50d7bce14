// [cluster]: this node, the catalog it follows in Redis, its heartbeats.
#include <algorithm>
#include <cctype>

#include "fields/kinds.hpp"
#include "fields/sections.hpp"
#include "fields/string_checks.hpp"

namespace hookd::config::detail {
namespace {

// Empty (derived at start-up), or 1-128 of A-Z a-z 0-9 _ . : -.
std::expected<std::string, std::string> check_node_id(std::string text) {
  const bool ok = std::ranges::all_of(text, [](unsigned char c) {
    return std::isalnum(c) != 0 || c == '_' || c == '.' || c == ':' || c == '-';
  });
  if (!ok) return std::unexpected(std::string("must be made of A-Z a-z 0-9 _ . : -"));
  return text;
}

std::expected<std::string, std::string> check_key_prefix(std::string text) {
  if (text.empty()) return std::unexpected(std::string("must not be empty"));
  return check_token(std::move(text));
}

}  // namespace

std::vector<FieldSpec<Config>> cluster_fields() {
  using C = Config;
  return {
      boolean<C>(
          "cluster", "enabled", [](auto& c) -> auto& { return c.cluster.enabled; }),
      string<C>(
          "cluster", "node_id", 128, [](auto& c) -> auto& { return c.cluster.node_id; }, check_node_id),
      string<C>(
          "cluster", "advertise", 256, [](auto& c) -> auto& { return c.cluster.advertise; }, check_token),
      string<C>(
          "cluster", "key_prefix", 128, [](auto& c) -> auto& { return c.cluster.key_prefix; },
          check_key_prefix),
      integer<C>(
          "cluster", "heartbeat_ms", {10, 600'000},
          [](auto& c) -> auto& { return c.cluster.heartbeat_interval; }),
      integer<C>(
          "cluster", "node_ttl_ms", {20, 3'600'000}, [](auto& c) -> auto& { return c.cluster.node_ttl; }),
      integer<C>(
          "cluster", "log_max_entries", {10, 10'000'000},
          [](auto& c) -> auto& { return c.cluster.log_max_entries; }),
      integer<C>(
          "cluster", "sync_timeout_ms", {1, 3'600'000},
          [](auto& c) -> auto& { return c.cluster.sync_timeout; }),
  };
}

}  // namespace hookd::config::detail
