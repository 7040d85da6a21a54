# Warnings for our own targets only (generated code and third-party headers are
# compiled with their own settings).
function(hotline_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-unused-parameter)
endfunction()

# hotline_library(NAME name SOURCES ... DEPS ...): a static library with a
# hotline::name alias; its public include root is the repository's libs/ dir so
# that includes read "redis/client.h".
function(hotline_library)
  cmake_parse_arguments(ARG "" "NAME" "SOURCES;DEPS" ${ARGN})
  add_library(hotline_${ARG_NAME} STATIC ${ARG_SOURCES})
  add_library(hotline::${ARG_NAME} ALIAS hotline_${ARG_NAME})
  target_include_directories(hotline_${ARG_NAME} PUBLIC ${PROJECT_SOURCE_DIR}/libs)
  target_link_libraries(hotline_${ARG_NAME} PUBLIC ${ARG_DEPS})
  hotline_warnings(hotline_${ARG_NAME})
endfunction()

# hotline_test(NAME name SOURCES ... DEPS ...): a Catch2 executable whose test
# cases ctest discovers one by one.
function(hotline_test)
  cmake_parse_arguments(ARG "" "NAME" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SOURCES})
  target_link_libraries(${ARG_NAME} PRIVATE hotline::test_main ${ARG_DEPS})
  hotline_warnings(${ARG_NAME})
  catch_discover_tests(${ARG_NAME}
    PROPERTIES LABELS "${ARG_LABELS}"
    EXTRA_ARGS --reporter compact)
endfunction()

# Embeds a text file (a Lua script) into C++ as a constant std::string_view
# named VAR in namespace NS, declared in header HEADER.
function(hotline_embed_text target var ns file)
  get_filename_component(stem ${file} NAME_WE)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/embedded_${stem}.cc)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DIN=${file} -DOUT=${out} -DVAR=${var} -DNS=${ns}
            -P ${PROJECT_SOURCE_DIR}/cmake/EmbedText.cmake
    DEPENDS ${file} ${PROJECT_SOURCE_DIR}/cmake/EmbedText.cmake
    COMMENT "Embedding ${stem}")
  target_sources(${target} PRIVATE ${out})
endfunction()

# hotline_service(NAME binary SOURCES ... DEPS ...): a service executable,
# linked with jemalloc (see cmake/Dependencies.cmake).
function(hotline_service)
  cmake_parse_arguments(ARG "" "NAME" "SOURCES;DEPS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SOURCES})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS})
  # Under ASan the sanitizer's allocator must serve every allocation.
  if(HOTLINE_SANITIZE STREQUAL "")
    target_link_libraries(${ARG_NAME} PRIVATE PkgConfig::JEMALLOC)
  endif()
  hotline_warnings(${ARG_NAME})
endfunction()
