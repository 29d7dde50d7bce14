// A canary release's traffic split (docs/releases.md): a plugin serves its
// stable version and, during a release, a canary version beside it, which
// takes `weight` of the calls. Published in the catalog with the canary's
// entry; the weight alone changes without a new catalog (an atomic the
// release controller stores and every worker reads), so a rollback takes the
// canary's traffic away at the next call, with no worker refresh.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace hookd::server {

// Weights are in basis points: 10000 is 100%.
inline constexpr uint32_t kFullWeight = 10'000;

// What keeps a client on one version across calls. kNone: each call is
// assigned on its own. Otherwise the key (a header's value, a cookie's, or
// the client address after server.trusted_proxies) is hashed to a bucket in
// [0, kFullWeight), and buckets below the weight go to the canary: a key
// always sees the same version at a given weight, and raising the weight
// only moves keys from stable to canary. A call without the key is assigned
// on its own.
struct StickyKey {
  enum class Kind : uint8_t { kNone, kHeader, kCookie, kClient };
  Kind kind = Kind::kNone;
  std::string name;  // the header's or cookie's name (kHeader, kCookie)

  bool operator==(const StickyKey&) const = default;
};

struct TrafficSplit {
  explicit TrafficSplit(uint32_t w, StickyKey s) : weight(w), sticky(std::move(s)) {}
  std::atomic<uint32_t> weight;  // the canary's share, 0..kFullWeight
  const StickyKey sticky;
};

// The bucket of a sticky key, in [0, kFullWeight): FNV-1a (64 bits), the
// same on every node and every build, so a cluster splits keys alike.
inline uint32_t sticky_bucket(std::string_view key) noexcept {
  uint64_t h = 14695981039346656037ULL;
  for (const char c : key) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  // The high bits mix best.
  return static_cast<uint32_t>((h >> 32) % kFullWeight);
}

}  // namespace hookd::server
