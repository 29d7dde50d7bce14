# hookd_add_as_plugin(<name> SOURCE <entry.ts> [DEPENDS <files...>] [ABORT <fn>]
#                     [OPTIONS <asc flags...>])
#
# Builds ${CMAKE_BINARY_DIR}/plugins/<name>.wasm from an AssemblyScript entry
# file with the asc of the pinned toolchain in examples/assemblyscript (package.json
# + package-lock.json, installed by scripts/setup.sh with `npm ci`). The build
# never touches the network: it only runs the local compiler.
#
# asc runs in the directory of the calling CMakeLists.txt, so SOURCE and
# DEPENDS are relative to it and `ABORT` names the abort handler the way
# asc's `--use abort=` does (e.g. `wapc/common/abort`, a function in
# wapc/common.ts). DEPENDS lists the other .ts files the entry imports (asc
# writes no depfile). Every plugin gets a target plugin_<name> under
# hookd_plugins, like the C plugins of HookdPlugin.cmake.
#
# Cache knobs: HOOKD_NODE (node executable), HOOKD_AS_TOOLCHAIN_DIR (the
# directory holding node_modules/assemblyscript).
include_guard(GLOBAL)
include(HookdPlugin) # hookd_plugins, HOOKD_PLUGIN_DIR

get_filename_component(_hookd_as_default_dir "${CMAKE_CURRENT_LIST_DIR}/../examples/assemblyscript" ABSOLUTE)
set(HOOKD_AS_TOOLCHAIN_DIR "${_hookd_as_default_dir}" CACHE PATH
    "directory whose node_modules holds the pinned AssemblyScript toolchain")

function(_hookd_find_as_toolchain)
  find_program(HOOKD_NODE NAMES node nodejs)
  set(asc "${HOOKD_AS_TOOLCHAIN_DIR}/node_modules/assemblyscript/bin/asc.js")
  set(stamp "${HOOKD_AS_TOOLCHAIN_DIR}/node_modules/.package-lock.json")
  # A missing toolchain fails the configure step: the AS plugins are part of
  # the test suite, and tests that silently skip would hide it in CI.
  if(NOT HOOKD_NODE OR NOT EXISTS "${asc}" OR NOT EXISTS "${stamp}")
    message(FATAL_ERROR
      "hookd_add_as_plugin: the AssemblyScript toolchain is missing (node: ${HOOKD_NODE}, "
      "asc: ${asc}). Run scripts/setup.sh (it installs Node.js/npm when missing and runs "
      "`npm ci` in ${HOOKD_AS_TOOLCHAIN_DIR}).")
  endif()
  set(_hookd_asc "${asc}" PARENT_SCOPE)
  set(_hookd_as_stamp "${stamp}" PARENT_SCOPE)
endfunction()

function(hookd_add_as_plugin name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "SOURCE;ABORT" "DEPENDS;OPTIONS")
  if(NOT ARG_SOURCE)
    message(FATAL_ERROR "hookd_add_as_plugin(${name}): SOURCE is required")
  endif()
  if(HOOKD_PLUGINS_FROM) # built in that tree (HookdPlugin.cmake)
    add_custom_target(plugin_${name})
    add_dependencies(plugin_${name} hookd_plugins)
    return()
  endif()
  _hookd_find_as_toolchain()

  get_property(plugin_dir GLOBAL PROPERTY HOOKD_PLUGIN_DIR)
  set(wasm "${plugin_dir}/${name}.wasm")
  file(MAKE_DIRECTORY "${plugin_dir}")

  set(deps "${CMAKE_CURRENT_SOURCE_DIR}/${ARG_SOURCE}")
  foreach(dep IN LISTS ARG_DEPENDS)
    list(APPEND deps "${CMAKE_CURRENT_SOURCE_DIR}/${dep}")
  endforeach()
  set(use)
  if(ARG_ABORT)
    set(use --use "abort=${ARG_ABORT}")
  endif()

  # -O3 without shrinking: the benchmarks measure these plugins. The default
  # (incremental) runtime collects garbage, so a long-lived instance does not
  # grow until the memory cap.
  add_custom_command(
    OUTPUT "${wasm}"
    COMMAND "${HOOKD_NODE}" "${_hookd_asc}" "${ARG_SOURCE}" --outFile "${wasm}"
            --optimizeLevel 3 --shrinkLevel 0 --path "${HOOKD_AS_TOOLCHAIN_DIR}/node_modules"
            ${use} ${ARG_OPTIONS}
    DEPENDS ${deps} "${_hookd_as_stamp}"
    WORKING_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}"
    COMMENT "asc ${name}.wasm"
    VERBATIM)
  add_custom_target(plugin_${name} DEPENDS "${wasm}")
  add_dependencies(hookd_plugins plugin_${name})
endfunction()
