# hookd_add_plugin(<name> SOURCES <files...> [COMPILE_OPTIONS <flags...>])
#
# Builds ${CMAKE_BINARY_DIR}/plugins/<name>.wasm, a wasm32-wasi reactor linked
# with the PDK, using clang-14 directly through custom commands. The host
# build keeps its own (native) compilers: wasm is a second target platform,
# which one CMake project cannot configure twice, hence no add_executable.
# .c files are compiled as gnu11 (POSIX/BSD declarations such as getentropy
# visible), everything else as C++20 without exceptions
# or RTTI (libc++ for wasm32 is built without them). Plugins that do not use
# the PDK (hand-written ABI tests) pass NO_PDK.
#
# Every plugin gets a target plugin_<name>; all hang off hookd_plugins (ALL).
# The output directory is in the global property HOOKD_PLUGIN_DIR.
#
# Cache knobs: HOOKD_WASM_CC / HOOKD_WASM_CXX (compilers), HOOKD_WASI_SYSROOT
# (passed as --sysroot when the distro's clang does not find wasi-libc itself).
include_guard(GLOBAL)

# Captured now: inside the function CMAKE_CURRENT_LIST_DIR is the caller's.
get_filename_component(_hookd_pdk_dir "${CMAKE_CURRENT_LIST_DIR}/../pdk" ABSOLUTE)
set_property(GLOBAL PROPERTY HOOKD_PDK_DIR "${_hookd_pdk_dir}")
set_property(GLOBAL PROPERTY HOOKD_PLUGIN_DIR "${CMAKE_BINARY_DIR}/plugins")
set(HOOKD_WASI_SYSROOT "" CACHE PATH "wasi-libc sysroot for plugins (empty: clang default)")

if(NOT TARGET hookd_plugins)
  add_custom_target(hookd_plugins ALL COMMENT "hookd wasm plugins")
endif()

function(_hookd_find_wasm_compilers)
  find_program(HOOKD_WASM_CC NAMES clang-14 clang)
  find_program(HOOKD_WASM_CXX NAMES clang++-14 clang++)
  if(NOT HOOKD_WASM_CC OR NOT HOOKD_WASM_CXX)
    message(FATAL_ERROR
      "hookd_add_plugin: clang-14/clang++-14 not found (HOOKD_WASM_CC=${HOOKD_WASM_CC}, "
      "HOOKD_WASM_CXX=${HOOKD_WASM_CXX}). Install clang-14 lld-14 wasi-libc "
      "libc++-14-dev-wasm32 libclang-rt-14-dev-wasm32, or set HOOKD_WASM_CC/HOOKD_WASM_CXX.")
  endif()
endfunction()

function(hookd_add_plugin name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "NO_PDK" "" "SOURCES;COMPILE_OPTIONS")
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "hookd_add_plugin(${name}): SOURCES is required")
  endif()
  _hookd_find_wasm_compilers()

  get_property(plugin_dir GLOBAL PROPERTY HOOKD_PLUGIN_DIR)
  get_property(pdk_dir GLOBAL PROPERTY HOOKD_PDK_DIR)
  set(wasm "${plugin_dir}/${name}.wasm")
  set(obj_dir "${CMAKE_CURRENT_BINARY_DIR}/hookd_plugin_${name}")
  file(MAKE_DIRECTORY "${obj_dir}" "${plugin_dir}")

  set(common --target=wasm32-wasi -O2)
  if(HOOKD_WASI_SYSROOT)
    list(APPEND common "--sysroot=${HOOKD_WASI_SYSROOT}")
  endif()
  set(sources ${ARG_SOURCES})
  set(includes)
  if(NOT ARG_NO_PDK)
    list(APPEND sources "${pdk_dir}/src/pdk.c" "${pdk_dir}/src/pdk_host.c")
    list(APPEND includes "-I${pdk_dir}/include")
  endif()

  set(objects)
  set(linker "${HOOKD_WASM_CC}")
  set(index 0)
  foreach(src IN LISTS sources)
    get_filename_component(src "${src}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    get_filename_component(base "${src}" NAME)
    get_filename_component(ext "${src}" LAST_EXT)
    set(obj "${obj_dir}/${index}_${base}.o")
    math(EXPR index "${index} + 1")
    if(ext STREQUAL ".c")
      set(cc "${HOOKD_WASM_CC}")
      set(lang_flags -std=gnu11)
    else()
      set(cc "${HOOKD_WASM_CXX}")
      set(lang_flags -std=c++20 -fno-exceptions -fno-rtti)
      set(linker "${HOOKD_WASM_CXX}") # pulls in libc++/libc++abi
    endif()
    add_custom_command(
      OUTPUT "${obj}"
      COMMAND "${cc}" ${common} ${lang_flags} -Wall -Wextra -Wno-unused-parameter ${ARG_COMPILE_OPTIONS}
              ${includes} -MD -MF "${obj}.d" -c "${src}" -o "${obj}"
      DEPENDS "${src}"
      DEPFILE "${obj}.d" # clang -MD: header edits rebuild exactly the users
      COMMENT "wasm32 ${name}: ${base}"
      VERBATIM)
    list(APPEND objects "${obj}")
  endforeach()

  # --stack-first puts the 64 KiB shadow stack below the data, so an overflow
  # traps on the address wrap instead of silently corrupting globals.
  add_custom_command(
    OUTPUT "${wasm}"
    COMMAND "${linker}" ${common} -mexec-model=reactor ${objects} -o "${wasm}"
            -Wl,--strip-all -Wl,--stack-first
    DEPENDS ${objects}
    COMMENT "Linking wasm plugin ${name}.wasm"
    VERBATIM)
  add_custom_target(plugin_${name} DEPENDS "${wasm}")
  add_dependencies(hookd_plugins plugin_${name})
endfunction()
