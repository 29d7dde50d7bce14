// Where a plugin's randomness (WASI random_get) comes from. The system CSPRNG
// by default; a seeded deterministic generator for reproducible tests and
// replays (Hookr's WithRandSource).
#pragma once

#include <cstdint>
#include <memory>
#include <span>

namespace hookd::engine {

class RandomSource {
 public:
  virtual ~RandomSource() = default;
  // Fills `out`; must be thread-safe (workers share a plugin's source).
  virtual void fill(std::span<uint8_t> out) = 0;
};

std::shared_ptr<RandomSource> system_random();
// Same seed, same byte sequence (xoshiro256**, seeded through splitmix64).
// Not for secrets.
std::shared_ptr<RandomSource> deterministic_random(uint64_t seed);

}  // namespace hookd::engine
