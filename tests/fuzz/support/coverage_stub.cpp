// Weak no-op coverage callbacks for executables built with HOOKD_FUZZ that
// are not fuzz targets (the test suite, tools): GCC's trace-pc and trace-cmp
// instrumentation calls these. In a fuzz target, coverage.cpp and libFuzzer
// define the real ones, which take precedence over these weak definitions.
// GCC's trace-cmp also reports float compares, which libFuzzer ignores.
#include <cstdint>

#define HOOKD_COVERAGE_HOOK extern "C" __attribute__((weak, no_sanitize_coverage, no_sanitize_address, used))

HOOKD_COVERAGE_HOOK void __sanitizer_cov_trace_pc() {}
HOOKD_COVERAGE_HOOK void __sanitizer_cov_trace_cmp1(uint8_t, uint8_t) {}
HOOKD_COVERAGE_HOOK void __sanitizer_cov_trace_cmp2(uint16_t, uint16_t) {}
HOOKD_COVERAGE_HOOK void __sanitizer_cov_trace_cmp4(uint32_t, uint32_t) {}
HOOKD_COVERAGE_HOOK void __sanitizer_cov_trace_cmp8(uint64_t, uint64_t) {}
HOOKD_COVERAGE_HOOK void __sanitizer_cov_trace_const_cmp1(uint8_t, uint8_t) {}
HOOKD_COVERAGE_HOOK void __sanitizer_cov_trace_const_cmp2(uint16_t, uint16_t) {}
HOOKD_COVERAGE_HOOK void __sanitizer_cov_trace_const_cmp4(uint32_t, uint32_t) {}
HOOKD_COVERAGE_HOOK void __sanitizer_cov_trace_const_cmp8(uint64_t, uint64_t) {}
HOOKD_COVERAGE_HOOK void __sanitizer_cov_trace_switch(uint64_t, uint64_t*) {}
HOOKD_COVERAGE_HOOK void __sanitizer_cov_trace_cmpf(float, float) {}
HOOKD_COVERAGE_HOOK void __sanitizer_cov_trace_cmpd(double, double) {}
