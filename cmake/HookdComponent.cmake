# hookd_add_js_component(<name> SOURCE <file.js> [WORLD <world>] [WIT <dir>] [DEPENDS <files...>])
# hookd_add_wat_component(<name> SOURCE <file.wat> [CORE [WORLD <world>] [WIT <dir>]])
#
# Builds ${CMAKE_BINARY_DIR}/components/<name>.wasm, a WebAssembly component,
# with tests/components/build-component.mjs and the pinned toolchain beside it
# (tests/components/package.json + package-lock.json: componentize-js, jco,
# preview2-shim; installed by scripts/setup.sh with `npm ci`). The build never
# touches the network: it only runs the local tools.
#
# JS components go through componentize-js (StarlingMonkey, about 13 MB each,
# 15-35 s to build): SOURCE is the JS module, WIT the WIT directory (default
# tests/components/wit) and WORLD the world in it (default http-proxy, the
# wasi:http proxy world). WAT components are hand-written component text
# assembled by the wasm-tools parser jco embeds (well under a second); with
# CORE the text is a core module following the component model's naming
# conventions, and the WIT world (same defaults) makes a component of it.
# SOURCE, WIT and DEPENDS are relative to the calling CMakeLists.txt.
#
# Every component gets a target component_<name>; all hang off
# hookd_components (ALL). The builds share a Ninja job pool of one: each
# componentize-js run wants a core and about 800 MB of memory of its own. The
# output directory is in the global property HOOKD_COMPONENT_DIR.
#
# HOOKD_PLUGINS_FROM=<another hookd build dir> (HookdPlugin.cmake): the
# components are the same whatever the host build's flags, so a second build
# tree (the sanitizer build) builds them there and copies <dir>/components.
#
# Cache knobs: HOOKD_NODE (node executable), HOOKD_COMPONENT_TOOLCHAIN_DIR (the
# directory holding build-component.mjs and its node_modules).
include_guard(GLOBAL)
include(HookdPlugin) # HOOKD_PLUGINS_FROM

get_filename_component(_hookd_component_default_dir "${CMAKE_CURRENT_LIST_DIR}/../tests/components" ABSOLUTE)
set(HOOKD_COMPONENT_TOOLCHAIN_DIR "${_hookd_component_default_dir}" CACHE PATH
    "directory with build-component.mjs and the node_modules of the pinned component toolchain")
set_property(GLOBAL PROPERTY HOOKD_COMPONENT_DIR "${CMAKE_BINARY_DIR}/components")
set_property(GLOBAL APPEND PROPERTY JOB_POOLS hookd_components=1)

if(NOT TARGET hookd_components)
  if(HOOKD_PLUGINS_FROM)
    get_filename_component(_hookd_components_from "${HOOKD_PLUGINS_FROM}" ABSOLUTE)
    add_custom_target(hookd_components ALL
      COMMAND ${CMAKE_COMMAND} -E env "HOOKD_BUILD_DIR=${_hookd_components_from}"
              "${CMAKE_CURRENT_LIST_DIR}/../scripts/build.sh" hookd_components
      COMMAND ${CMAKE_COMMAND} -E copy_directory "${_hookd_components_from}/components"
              "${CMAKE_BINARY_DIR}/components"
      COMMENT "hookd wasm components, from ${_hookd_components_from}"
      VERBATIM)
  else()
    add_custom_target(hookd_components ALL COMMENT "hookd wasm components")
  endif()
endif()

function(_hookd_find_component_toolchain)
  find_program(HOOKD_NODE NAMES node nodejs)
  set(script "${HOOKD_COMPONENT_TOOLCHAIN_DIR}/build-component.mjs")
  set(stamp "${HOOKD_COMPONENT_TOOLCHAIN_DIR}/node_modules/.package-lock.json")
  # A missing toolchain fails the configure step: the components are part of
  # the test suite, and tests that silently skip would hide it in CI.
  if(NOT HOOKD_NODE OR NOT EXISTS "${script}" OR NOT EXISTS "${stamp}")
    message(FATAL_ERROR
      "hookd components: the component toolchain is missing (node: ${HOOKD_NODE}, "
      "lock stamp: ${stamp}). Run scripts/setup.sh (it installs Node.js/npm when missing "
      "and runs `npm ci` in ${HOOKD_COMPONENT_TOOLCHAIN_DIR}).")
  endif()
  set(_hookd_component_script "${script}" PARENT_SCOPE)
  set(_hookd_component_stamp "${stamp}" PARENT_SCOPE)
endfunction()

# _hookd_add_component(<name> <kind> <source> <extra deps> <extra args>)
function(_hookd_add_component name kind source deps args)
  if(HOOKD_PLUGINS_FROM) # built in that tree
    add_custom_target(component_${name})
    add_dependencies(component_${name} hookd_components)
    return()
  endif()
  _hookd_find_component_toolchain()
  get_property(dir GLOBAL PROPERTY HOOKD_COMPONENT_DIR)
  set(wasm "${dir}/${name}.wasm")
  file(MAKE_DIRECTORY "${dir}")
  add_custom_command(
    OUTPUT "${wasm}"
    COMMAND "${HOOKD_NODE}" "${_hookd_component_script}" ${kind} "${source}" "${wasm}" ${args}
    DEPENDS "${source}" ${deps} "${_hookd_component_script}" "${_hookd_component_stamp}"
            "${HOOKD_COMPONENT_TOOLCHAIN_DIR}/package-lock.json"
    WORKING_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}"
    COMMENT "component ${name}.wasm (${kind})"
    JOB_POOL hookd_components
    VERBATIM)
  add_custom_target(component_${name} DEPENDS "${wasm}")
  add_dependencies(hookd_components component_${name})
endfunction()

# The WIT directory and world of a call (defaults: the toolchain's wit/ and
# http-proxy), the .wit files it depends on, and the build script's arguments.
macro(_hookd_component_world)
  set(wit "${HOOKD_COMPONENT_TOOLCHAIN_DIR}/wit")
  if(ARG_WIT)
    get_filename_component(wit "${ARG_WIT}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  endif()
  set(world http-proxy)
  if(ARG_WORLD)
    set(world "${ARG_WORLD}")
  endif()
  # Any .wit file can change the world; CONFIGURE_DEPENDS re-globs when one is
  # added or removed.
  file(GLOB_RECURSE wit_files CONFIGURE_DEPENDS "${wit}/*.wit")
  set(world_args "--wit;${wit};--world;${world}")
endmacro()

function(hookd_add_js_component name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "SOURCE;WORLD;WIT" "DEPENDS")
  if(NOT ARG_SOURCE)
    message(FATAL_ERROR "hookd_add_js_component(${name}): SOURCE is required")
  endif()
  _hookd_component_world()
  set(deps ${wit_files})
  foreach(dep IN LISTS ARG_DEPENDS)
    get_filename_component(dep "${dep}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    list(APPEND deps "${dep}")
  endforeach()
  get_filename_component(source "${ARG_SOURCE}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  _hookd_add_component(${name} js "${source}" "${deps}" "${world_args}")
endfunction()

function(hookd_add_wat_component name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "CORE" "SOURCE;WORLD;WIT" "")
  if(NOT ARG_SOURCE)
    message(FATAL_ERROR "hookd_add_wat_component(${name}): SOURCE is required")
  endif()
  if(NOT ARG_CORE AND (ARG_WORLD OR ARG_WIT))
    message(FATAL_ERROR "hookd_add_wat_component(${name}): WORLD and WIT need CORE")
  endif()
  get_filename_component(source "${ARG_SOURCE}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  if(ARG_CORE)
    _hookd_component_world()
    _hookd_add_component(${name} core-wat "${source}" "${wit_files}" "${world_args}")
  else()
    _hookd_add_component(${name} wat "${source}" "" "")
  endif()
endfunction()
