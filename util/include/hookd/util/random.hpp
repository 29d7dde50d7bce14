// The one entropy source every layer takes through its constructor: plugins'
// WASI random_get, the generated admin token, request id prefixes. The
// system CSPRNG in production; a seeded generator for reproducible runs, and
// fixed bytes for tests.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace hookd::util {

class RandomSource {
 public:
  virtual ~RandomSource() = default;
  /// Fills `out`; false when no randomness is available (then `out` holds
  /// no secret and must not be used). Thread-safe: workers share a source.
  [[nodiscard]] virtual bool fill(std::span<uint8_t> out) = 0;
};

/// The kernel's CSPRNG (getrandom); shared.
std::shared_ptr<RandomSource> system_random();
/// Same seed, same byte sequence (xoshiro256**, seeded through splitmix64).
/// Not for secrets.
std::shared_ptr<RandomSource> deterministic_random(uint64_t seed);
/// `pattern` over and over (each fill starts at its first byte); for tests
/// that check where random bytes end up. An empty pattern fails every fill.
std::shared_ptr<RandomSource> fixed_random(std::vector<uint8_t> pattern);

}  // namespace hookd::util
