# Sanitizer and fuzzing builds of hookd's own code (docs/security/fuzzing.md).
#
# HOOKD_SANITIZE=address,undefined instruments every target compiled here
# (libraries, tests, tools); third-party libraries, V8 in libnode among them,
# stay as shipped. Runtime defaults for the sanitizers (V8's signal handler,
# libnode's leaks) are compiled into every executable, see
# tests/fuzz/support/sanitizer_defaults.cpp; ASAN_OPTIONS etc. still override.
#
# HOOKD_FUZZ=ON builds the libFuzzer targets in tests/fuzz, with GCC's coverage
# instrumentation (trace-pc, trace-cmp) on the code they fuzz: the fuzz
# targets and the libraries they link (tests/fuzz/CMakeLists.txt), not the
# test suites, tools or third-party code built in the same tree. hookd is C++23 and clang-14
# cannot compile libstdc++ 12's <expected>, so the code is compiled by GCC and
# linked with clang-14's libFuzzer runtime; tests/fuzz/support/coverage.cpp
# turns GCC's trace-pc calls into libFuzzer's extra counters.
include_guard(GLOBAL)

set(HOOKD_SANITIZE "" CACHE STRING "Sanitizers for hookd's code, e.g. address,undefined (empty: none)")
option(HOOKD_FUZZ "Coverage instrumentation and the libFuzzer targets in tests/fuzz (GCC only)" OFF)

set(_hookd_support_dir "${CMAKE_CURRENT_LIST_DIR}/../tests/fuzz/support")

if(HOOKD_SANITIZE)
  add_compile_options(-fsanitize=${HOOKD_SANITIZE} -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${HOOKD_SANITIZE})
  # UBSan's vptr check needs RTTI for every polymorphic object it sees, and
  # libnode is built without it: hookd's V8 glue derives from V8 classes (no
  # typeinfo to link against), and libstdc++ templates instantiated in hookd
  # (shared_ptr control blocks) also run on V8's objects, where the check
  # reports "invalid vptr" for valid objects. The other UBSan checks stay on.
  if(HOOKD_SANITIZE MATCHES "undefined|vptr")
    add_compile_options(-fno-sanitize=vptr)
  endif()
endif()

if(HOOKD_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    message(FATAL_ERROR "HOOKD_FUZZ needs GCC (trace-pc coverage feeding libFuzzer's extra counters)")
  endif()
  set(HOOKD_FUZZ_COVERAGE_FLAGS -fsanitize-coverage=trace-pc,trace-cmp)
endif()

# Every executable gets the runtime hooks it needs: weak no-op coverage
# callbacks (a fuzz target replaces them) and the sanitizer defaults. The
# --undefined flags pull the members out of the archive: nothing in hookd
# references them, the sanitizer runtimes look them up.
if(HOOKD_SANITIZE OR HOOKD_FUZZ)
  add_library(hookd_sanitizer_runtime STATIC
    ${_hookd_support_dir}/sanitizer_defaults.cpp
    ${_hookd_support_dir}/coverage_stub.cpp)
  if(HOOKD_SANITIZE)
    add_link_options(-Wl,--undefined=__asan_default_options -Wl,--undefined=__ubsan_default_options
                     -Wl,--undefined=__lsan_default_suppressions)
  endif()
  link_libraries(hookd_sanitizer_runtime)
endif()

