// The Redis key layout, in one place. Plugins' KV and the cluster catalog
// (docs/cluster.md) share one Redis, and a plugin chooses the bytes of its
// keys, so the two key spaces are told apart by top-level tags that neither
// side can produce for the other, whatever namespace or cluster key prefix
// is configured:
//   plugin KV   "hookd:" <ns> ":" <key>, and "hookd:" <ns> "\0sizes" / "\0bytes"
//               (its quota bookkeeping); <ns> is 1-64 of [A-Za-z0-9_-]
//   cluster     "hookd-cluster:" <cluster.key_prefix> ":" <what>
// Every KV key has ':' at byte 5 and every cluster key '-', so no namespace
// and no key prefix makes one equal the other, or makes a KV list (SCAN
// "hookd:<ns>:*") see a cluster key.
#pragma once

#include <string>
#include <string_view>

namespace hookd::host {

inline constexpr std::string_view kKvKeyTag = "hookd:";
inline constexpr std::string_view kClusterKeyTag = "hookd-cluster:";
static_assert(kKvKeyTag.substr(0, 5) == kClusterKeyTag.substr(0, 5) && kKvKeyTag[5] != kClusterKeyTag[5],
              "the two tags must part at one byte that neither space can skip");

/// Where every key of the cluster catalog with `prefix` starts.
inline std::string cluster_key_root(std::string_view prefix) {
  std::string root(kClusterKeyTag);
  root += prefix;
  root += ':';
  return root;
}

}  // namespace hookd::host
