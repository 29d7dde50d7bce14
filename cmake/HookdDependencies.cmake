# Locates hookd's native dependencies. V8 (from libnode108/libnode-dev) and
# msgpack-cxx are extracted by scripts/setup.sh into third_party/deb because
# apt refuses to install them on these machines; the system paths are searched
# too so a machine with the real packages works unchanged.
set(HOOKD_DEB_ROOT ${CMAKE_SOURCE_DIR}/third_party/deb/usr)

find_path(V8_INCLUDE_DIR v8.h
  PATHS ${HOOKD_DEB_ROOT}/include/node /usr/include/node NO_DEFAULT_PATH REQUIRED)
find_library(NODE_LIBRARY NAMES node libnode.so.108
  PATHS ${HOOKD_DEB_ROOT}/lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu NO_DEFAULT_PATH REQUIRED)
add_library(hookd_v8 INTERFACE)
target_include_directories(hookd_v8 SYSTEM INTERFACE ${V8_INCLUDE_DIR})
target_link_libraries(hookd_v8 INTERFACE ${NODE_LIBRARY})
get_filename_component(NODE_LIBRARY_DIR ${NODE_LIBRARY} DIRECTORY)
set(CMAKE_BUILD_RPATH ${NODE_LIBRARY_DIR})
set(CMAKE_INSTALL_RPATH ${NODE_LIBRARY_DIR})

find_path(MSGPACK_INCLUDE_DIR msgpack.hpp
  PATHS ${HOOKD_DEB_ROOT}/include /usr/include NO_DEFAULT_PATH REQUIRED)
add_library(hookd_msgpack INTERFACE)
target_include_directories(hookd_msgpack SYSTEM INTERFACE ${MSGPACK_INCLUDE_DIR})
target_compile_definitions(hookd_msgpack INTERFACE MSGPACK_NO_BOOST)

find_package(Threads REQUIRED)
find_package(OpenSSL 3 REQUIRED)
find_package(spdlog REQUIRED)
find_package(fmt REQUIRED)
find_package(Boost 1.81 EXACT REQUIRED COMPONENTS url json)
find_package(simdjson REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(TOMLPP REQUIRED IMPORTED_TARGET tomlplusplus)
find_package(CLI11 REQUIRED)

# Asio's event loop. Every target whose sources include Asio must see the same
# event-loop configuration: Asio is header-only, and a TU built for io_uring
# and one built for epoll in the same binary define the same inline functions
# and classes differently (ODR). hookd_asio carries it; the lowest layer that
# includes Asio (hookd_host, its HTTP fetch) links it PUBLIC, so hookd_server,
# the hookd executable and the tests on them inherit it.
# HOOKD_IO_URING=ON: Asio's scheduler runs on io_uring (liburing) for sockets,
# timers and signals as well as files, instead of epoll (docs/benchmarks.md,
# "io_uring vs epoll").
option(HOOKD_IO_URING "Run Asio's event loop on io_uring instead of epoll (needs liburing)" OFF)
add_library(hookd_asio INTERFACE)
if(HOOKD_IO_URING)
  pkg_check_modules(LIBURING REQUIRED IMPORTED_TARGET liburing)
  target_compile_definitions(hookd_asio INTERFACE BOOST_ASIO_HAS_IO_URING BOOST_ASIO_DISABLE_EPOLL)
  target_link_libraries(hookd_asio INTERFACE PkgConfig::LIBURING)
endif()
if(HOOKD_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(HOOKD_BUILD_BENCHMARKS)
  find_package(benchmark REQUIRED)
endif()
