# Every third-party dependency, found once. All come from Debian 12 packages
# (tools/install-deps.sh installs them).
find_package(Threads REQUIRED)
find_package(Protobuf REQUIRED)          # FindProtobuf module: Debian ships no config file
find_package(gRPC CONFIG REQUIRED)
find_package(absl CONFIG REQUIRED)
find_package(prometheus-cpp CONFIG REQUIRED)
find_package(OpenSSL REQUIRED)            # SHA-1 of Lua scripts for EVALSHA
find_package(PkgConfig REQUIRED)
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis)  # hiredis' config defines no target
# glibc malloc was a quarter of intake's CPU under load; jemalloc halves that.
pkg_check_modules(JEMALLOC REQUIRED IMPORTED_TARGET jemalloc)
find_package(Catch2 2 REQUIRED)
include(Catch)
# Full-text search of the knowledge base (CJK n-grams; Debian 12: 1.4.22).
pkg_check_modules(XAPIAN REQUIRED IMPORTED_TARGET xapian-core)
# Signed bearer tokens at the gateway (Debian 12: libjwt 1.10.2).
pkg_check_modules(LIBJWT REQUIRED IMPORTED_TARGET libjwt)
# Ephemeris for the lunisolar calendar behind the statutory holidays (VSOP87
# Sun, ELP 2000-82B Moon; Debian 12: libnova 0.16). It ships no pkg-config
# or CMake file.
find_path(LIBNOVA_INCLUDE_DIR libnova/libnova.h)
find_library(LIBNOVA_LIBRARY nova)
if(NOT LIBNOVA_INCLUDE_DIR OR NOT LIBNOVA_LIBRARY)
  message(FATAL_ERROR "libnova not found: install the Debian package libnova-dev (tools/install-deps.sh)")
endif()
add_library(libnova::libnova UNKNOWN IMPORTED)
set_target_properties(libnova::libnova PROPERTIES
  IMPORTED_LOCATION ${LIBNOVA_LIBRARY} INTERFACE_INCLUDE_DIRECTORIES ${LIBNOVA_INCLUDE_DIR})
