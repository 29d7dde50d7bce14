# CMake toolchain for building hookd plugins out of tree with ordinary
# add_executable() targets:
#
#   cmake -S myplugin -B build -G Ninja \
#         -DCMAKE_TOOLCHAIN_FILE=/path/to/hookd/cmake/wasm32-wasi.toolchain.cmake
#
#   # myplugin/CMakeLists.txt
#   cmake_minimum_required(VERSION 3.20)
#   project(myplugin C CXX)
#   add_executable(myplugin myplugin.c ${HOOKD_PDK_DIR}/src/pdk.c)
#   target_include_directories(myplugin PRIVATE ${HOOKD_PDK_DIR}/include)
#   # -> build/myplugin.wasm
#
# Everything is a WASI reactor (no main; the host calls _initialize and the
# hookd_* exports). C++ is built without exceptions or RTTI because the
# wasm32 libc++ has neither. Override HOOKD_WASM_CC/HOOKD_WASM_CXX or
# HOOKD_WASI_SYSROOT on the command line for other clang installs.
set(CMAKE_SYSTEM_NAME Generic) # CMake has no WASI platform module in 3.25
set(CMAKE_SYSTEM_PROCESSOR wasm32)

if(NOT HOOKD_WASM_CC)
  set(HOOKD_WASM_CC clang-14)
endif()
if(NOT HOOKD_WASM_CXX)
  set(HOOKD_WASM_CXX clang++-14)
endif()
set(CMAKE_C_COMPILER ${HOOKD_WASM_CC})
set(CMAKE_CXX_COMPILER ${HOOKD_WASM_CXX})
set(CMAKE_C_COMPILER_TARGET wasm32-wasi)
set(CMAKE_CXX_COMPILER_TARGET wasm32-wasi)
if(HOOKD_WASI_SYSROOT)
  set(CMAKE_SYSROOT ${HOOKD_WASI_SYSROOT})
endif()

# -O2 even without a build type: plugins are always run optimised.
set(CMAKE_C_FLAGS_INIT "-O2")
set(CMAKE_CXX_FLAGS_INIT "-O2 -fno-exceptions -fno-rtti")
# Same link as hookd_add_plugin: reactor, stack below data so an overflow
# traps, no symbol names in the module.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-mexec-model=reactor -Wl,--stack-first -Wl,--strip-all")
set(CMAKE_EXECUTABLE_SUFFIX .wasm)
set(CMAKE_EXECUTABLE_SUFFIX_C .wasm)
set(CMAKE_EXECUTABLE_SUFFIX_CXX .wasm)

# Compiler checks link a test program; a static library avoids depending on
# how the check program's main interacts with the reactor model.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES HOOKD_WASM_CC HOOKD_WASM_CXX HOOKD_WASI_SYSROOT)

# The PDK next to this file (cmake/../pdk).
get_filename_component(HOOKD_PDK_DIR "${CMAKE_CURRENT_LIST_DIR}/../pdk" ABSOLUTE)

# Never pick up host libraries or headers.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
