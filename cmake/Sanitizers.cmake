# Sanitized builds. Both kinds go in their own build folder (never mixed with
# the normal one): tools/build.sh with SANITIZE=address,undefined, and
# tools/fuzz.sh (HOTLINE_FUZZ=ON, clang only). Third-party libraries (gRPC,
# protobuf, Abseil...) are Debian's, uninstrumented: only our code is checked.
if(HOTLINE_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "HOTLINE_FUZZ needs clang (libFuzzer), not ${CMAKE_CXX_COMPILER_ID}: "
                        "configure with CXX=clang++-14 (tools/fuzz.sh does; Debian packages "
                        "clang-14 libclang-rt-14-dev, tools/install-deps.sh)")
  endif()
  if(HOTLINE_SANITIZE STREQUAL "")
    set(HOTLINE_SANITIZE "address,undefined")
  endif()
  # Every object gets the fuzzer's coverage instrumentation; only the fuzz
  # executables link libFuzzer's main (tests/fuzz).
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

if(NOT HOTLINE_SANITIZE STREQUAL "")
  # A finding stops the process (UBSan would only print and go on), so a test
  # or a fuzz run cannot pass over one. -fno-omit-frame-pointer: whole stacks
  # in reports. _GLIBCXX_ASSERTIONS: libstdc++'s bounds checks (operator[],
  # front() on an empty string ...) as well.
  add_compile_options(-fsanitize=${HOTLINE_SANITIZE} -fno-sanitize-recover=all
                      -fno-omit-frame-pointer -D_GLIBCXX_ASSERTIONS)
  add_link_options(-fsanitize=${HOTLINE_SANITIZE})
  message(STATUS "hotline: sanitizers ${HOTLINE_SANITIZE}")
endif()
