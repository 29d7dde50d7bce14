// A counting global operator new/delete for the test binary that links
// counting_allocator.cpp: how many bytes the host (and anything else in the
// process using operator new) holds, and the largest single allocation,
// so tests can bound what a plugin makes the host allocate. Wasm linear
// memory is mapped by the engine, not allocated here, so a plugin's own
// memory does not count.
#pragma once

#include <cstddef>

namespace hookd::test::allocation {

/// Bytes allocated through operator new and not yet freed.
std::size_t live_bytes();
/// The largest single allocation since the last reset_largest().
std::size_t largest();
void reset_largest();

}  // namespace hookd::test::allocation
