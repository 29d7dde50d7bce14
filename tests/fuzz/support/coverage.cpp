// Coverage feedback for libFuzzer from GCC's -fsanitize-coverage=trace-pc.
//
// clang-14's libFuzzer expects clang's inline 8-bit counters and refuses
// trace-pc (its __sanitizer_cov_trace_pc exits; the build weakens it, see
// tests/fuzz/CMakeLists.txt). It also reads "extra counters": any bytes in
// the section __libfuzzer_extra_counters, cleared before each input and
// turned into features after it. GCC calls __sanitizer_cov_trace_pc at every
// basic block; this counts the edge from the previous block of the same
// thread into that section, AFL style: (hash(pc) ^ previous) mod N, with
// previous = hash(pc) >> 1 so that A->B and B->A differ.
//
// Edges of every thread count (the HTTP target's requests run on gateway
// threads). Not instrumented itself, and cheap: no locks, no calls.
#include <cstddef>
#include <cstdint>

namespace {

constexpr std::size_t kCounters = 1u << 16;

__attribute__((section("__libfuzzer_extra_counters"), used)) uint8_t counters[kCounters];

thread_local uintptr_t previous_block = 0;

}  // namespace

extern "C" __attribute__((no_sanitize_coverage, no_sanitize_address, no_sanitize_undefined, used)) void
__sanitizer_cov_trace_pc() {
  const auto pc = reinterpret_cast<uintptr_t>(__builtin_return_address(0));
  const uintptr_t block = (pc * 0x9E3779B97F4A7C15ull) >> 48;  // 16 well-mixed bits
  uint8_t& counter = counters[(block ^ previous_block) & (kCounters - 1)];
  counter = static_cast<uint8_t>(counter + 1);
  previous_block = block >> 1;
}
