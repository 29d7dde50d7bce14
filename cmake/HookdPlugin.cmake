# hookd_add_plugin(<name> SOURCES <files...> [COMPILE_OPTIONS <flags...>] [LINK_OPTIONS <flags...>])
#
# Builds ${CMAKE_BINARY_DIR}/plugins/<name>.wasm, a wasm32-wasi reactor linked
# with the PDK, using clang-14 directly through custom commands. The host
# build keeps its own (native) compilers: wasm is a second target platform,
# which one CMake project cannot configure twice, hence no add_executable.
# .c files are compiled as gnu11 (POSIX/BSD declarations such as getentropy
# visible), everything else as C++20 without exceptions
# or RTTI (libc++ for wasm32 is built without them), .s files are wasm
# assembly (what C cannot say: a module's own or imported globals).
# Plugins that do not use the PDK (hand-written ABI tests) pass NO_PDK;
# LINK_OPTIONS go to the final link (bare core modules: -nostdlib,
# --import-memory, --export=...).
#
# Every plugin gets a target plugin_<name>; all hang off hookd_plugins (ALL).
# The output directory is in the global property HOOKD_PLUGIN_DIR.
#
# The PDK (pdk.c, pdk_host.c) is compiled once per build tree and linked into
# every plugin that uses it; plugin COMPILE_OPTIONS apply to the plugin's own
# sources only.
#
# HOOKD_PLUGINS_FROM=<another hookd build dir>: the plugins are wasm, the same
# whatever the host build's flags, so a second build tree (the sanitizer build)
# takes them from the first instead of compiling them again. hookd_plugins then
# builds them there (scripts/build.sh, which configures it if needed) and
# copies <dir>/plugins into this tree; every plugin_<name> is that step.
#
# Cache knobs: HOOKD_WASM_CC / HOOKD_WASM_CXX (compilers), HOOKD_WASI_SYSROOT
# (passed as --sysroot when the distro's clang does not find wasi-libc itself).
include_guard(GLOBAL)

# Captured now: inside the function CMAKE_CURRENT_LIST_DIR is the caller's.
get_filename_component(_hookd_pdk_dir "${CMAKE_CURRENT_LIST_DIR}/../pdk" ABSOLUTE)
set_property(GLOBAL PROPERTY HOOKD_PDK_DIR "${_hookd_pdk_dir}")
set_property(GLOBAL PROPERTY HOOKD_PLUGIN_DIR "${CMAKE_BINARY_DIR}/plugins")
set(HOOKD_WASI_SYSROOT "" CACHE PATH "wasi-libc sysroot for plugins (empty: clang default)")
set(HOOKD_PLUGINS_FROM "" CACHE PATH "Take the wasm plugins from this hookd build dir (empty: build them here)")

if(NOT TARGET hookd_plugins)
  if(HOOKD_PLUGINS_FROM)
    get_filename_component(_hookd_plugins_from "${HOOKD_PLUGINS_FROM}" ABSOLUTE)
    add_custom_target(hookd_plugins ALL
      COMMAND ${CMAKE_COMMAND} -E env "HOOKD_BUILD_DIR=${_hookd_plugins_from}"
              "${CMAKE_CURRENT_LIST_DIR}/../scripts/build.sh" hookd_plugins
      COMMAND ${CMAKE_COMMAND} -E copy_directory "${_hookd_plugins_from}/plugins" "${CMAKE_BINARY_DIR}/plugins"
      COMMENT "hookd wasm plugins, from ${_hookd_plugins_from}"
      VERBATIM)
  else()
    add_custom_target(hookd_plugins ALL COMMENT "hookd wasm plugins")
  endif()
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

function(_hookd_wasm_flags out)
  set(flags --target=wasm32-wasi -O2)
  if(HOOKD_WASI_SYSROOT)
    list(APPEND flags "--sysroot=${HOOKD_WASI_SYSROOT}")
  endif()
  set(${out} ${flags} PARENT_SCOPE)
endfunction()

# The PDK's wasm objects, compiled on the first call, in the build tree's root
# (one set for every plugin, whichever directory adds it).
function(_hookd_pdk_objects out)
  get_property(objects GLOBAL PROPERTY HOOKD_PDK_OBJECTS)
  if(NOT objects)
    get_property(pdk_dir GLOBAL PROPERTY HOOKD_PDK_DIR)
    _hookd_wasm_flags(common)
    set(obj_dir "${CMAKE_BINARY_DIR}/hookd_pdk_wasm")
    file(MAKE_DIRECTORY "${obj_dir}")
    foreach(base pdk.c pdk_host.c)
      set(obj "${obj_dir}/${base}.o")
      add_custom_command(
        OUTPUT "${obj}"
        COMMAND "${HOOKD_WASM_CC}" ${common} -std=gnu11 -Wall -Wextra -Wno-unused-parameter
                "-I${pdk_dir}/include" -MD -MF "${obj}.d" -c "${pdk_dir}/src/${base}" -o "${obj}"
        DEPENDS "${pdk_dir}/src/${base}"
        DEPFILE "${obj}.d"
        COMMENT "wasm32 pdk: ${base}"
        VERBATIM)
      list(APPEND objects "${obj}")
    endforeach()
    add_custom_target(hookd_pdk_wasm DEPENDS ${objects})
    set_property(GLOBAL PROPERTY HOOKD_PDK_OBJECTS "${objects}")
  endif()
  set(${out} ${objects} PARENT_SCOPE)
endfunction()

function(hookd_add_plugin name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "NO_PDK" "" "SOURCES;COMPILE_OPTIONS;LINK_OPTIONS")
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "hookd_add_plugin(${name}): SOURCES is required")
  endif()
  if(HOOKD_PLUGINS_FROM)
    add_custom_target(plugin_${name})
    add_dependencies(plugin_${name} hookd_plugins)
    return()
  endif()
  _hookd_find_wasm_compilers()

  get_property(plugin_dir GLOBAL PROPERTY HOOKD_PLUGIN_DIR)
  get_property(pdk_dir GLOBAL PROPERTY HOOKD_PDK_DIR)
  set(wasm "${plugin_dir}/${name}.wasm")
  set(obj_dir "${CMAKE_CURRENT_BINARY_DIR}/hookd_plugin_${name}")
  file(MAKE_DIRECTORY "${obj_dir}" "${plugin_dir}")

  _hookd_wasm_flags(common)
  set(sources ${ARG_SOURCES})
  set(includes)
  set(pdk_objects)
  if(NOT ARG_NO_PDK)
    list(APPEND includes "-I${pdk_dir}/include")
    _hookd_pdk_objects(pdk_objects)
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
    if(ext STREQUAL ".s")
      add_custom_command(
        OUTPUT "${obj}"
        COMMAND "${HOOKD_WASM_CC}" ${common} -c "${src}" -o "${obj}"
        DEPENDS "${src}"
        COMMENT "wasm32 ${name}: ${base}"
        VERBATIM)
      list(APPEND objects "${obj}")
      continue()
    endif()
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
  list(APPEND objects ${pdk_objects})

  # --stack-first puts the 64 KiB shadow stack below the data, so an overflow
  # traps on the address wrap instead of silently corrupting globals.
  add_custom_command(
    OUTPUT "${wasm}"
    COMMAND "${linker}" ${common} -mexec-model=reactor ${objects} -o "${wasm}"
            -Wl,--strip-all -Wl,--stack-first ${ARG_LINK_OPTIONS}
    DEPENDS ${objects}
    COMMENT "Linking wasm plugin ${name}.wasm"
    VERBATIM)
  add_custom_target(plugin_${name} DEPENDS "${wasm}")
  if(NOT ARG_NO_PDK)
    add_dependencies(plugin_${name} hookd_pdk_wasm)
  endif()
  add_dependencies(hookd_plugins plugin_${name})
endfunction()
