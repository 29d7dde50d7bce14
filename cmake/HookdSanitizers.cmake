# Sanitizer and fuzzing builds of hookd's own code (docs/security/fuzzing.md).
#
# HOOKD_SANITIZE=address,undefined instruments every target compiled here
# (libraries, tests, tools); third-party libraries, V8 in libnode among them,
# stay as shipped. Runtime defaults for the sanitizers (V8's signal handler,
# libnode's leaks) are compiled into every executable, see
# tests/fuzz/support/sanitizer_defaults.cpp; ASAN_OPTIONS etc. still override.
#
# HOOKD_FUZZ=ON adds GCC's coverage instrumentation (trace-pc, trace-cmp) and
# builds the libFuzzer targets in tests/fuzz. hookd is C++23 and clang-14
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
endif()

if(HOOKD_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    message(FATAL_ERROR "HOOKD_FUZZ needs GCC (trace-pc coverage feeding libFuzzer's extra counters)")
  endif()
  add_compile_options(-fsanitize-coverage=trace-pc,trace-cmp)
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

# The V8 glue (engine/src/v8) derives from V8's classes (ArrayBuffer::Allocator,
# Task ...), and UBSan's vptr check needs their typeinfo, which libnode, built
# without RTTI, does not have: the link fails. Those files alone go without
# the vptr check; every other UBSan check stays on for them.
function(hookd_sanitizer_v8_exceptions dir)
  if(HOOKD_SANITIZE MATCHES "undefined|vptr")
    file(GLOB sources ${CMAKE_SOURCE_DIR}/${dir}/*.cpp)
    get_filename_component(owner ${CMAKE_SOURCE_DIR}/${dir} DIRECTORY)
    get_filename_component(owner ${owner} DIRECTORY)  # engine/src/v8 -> engine
    set_source_files_properties(${sources} DIRECTORY ${owner} PROPERTIES COMPILE_OPTIONS -fno-sanitize=vptr)
  endif()
endfunction()
