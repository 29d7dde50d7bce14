// Where a plugin's randomness (WASI random_get) comes from: the one entropy
// source of every layer (hookd/util/random.hpp). The system CSPRNG by
// default; a seeded deterministic generator for reproducible tests and
// replays (Hookr's WithRandSource).
#pragma once

#include "hookd/util/random.hpp"

namespace hookd::engine {

using util::deterministic_random;
using util::fixed_random;
using util::RandomSource;
using util::system_random;

}  // namespace hookd::engine
