# libFuzzer targets (-DOFFPEAK_FUZZ=ON, clang++ only; docs/fuzzing.md).
#
# Everything in a fuzz build is compiled with coverage instrumentation, AddressSanitizer and
# UndefinedBehaviorSanitizer, none of them recoverable: any report ends the run as a crash
# and leaves a reproducer. The libraries a target links are instrumented too, so a parser's
# helpers in `domain` are held to the same bar.
if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "OFFPEAK_FUZZ needs clang (-DCMAKE_CXX_COMPILER=clang++)")
endif()
add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
  -fno-omit-frame-pointer)
add_link_options(-fsanitize=address,undefined)

# Builds every fuzz target: `cmake --build build-fuzz --target offpeak_fuzz_all`.
add_custom_target(offpeak_fuzz_all)

# offpeak_fuzz_target(NAME [SOURCES file...] [LIBS target...])
#
# Adds the libFuzzer program offpeak_fuzz_NAME from tests/fuzz/fuzz_NAME.cpp (which defines
# LLVMFuzzerTestOneInput) plus SOURCES (parser files compiled into it, for parsers whose
# library would drag in sockets), linked with LIBS. Registers the CTest test fuzz_NAME
# (label `fuzz`): the program run once over every input of its committed corpus
# tests/fuzz/NAME/ (no fuzzing; any sanitizer report or leak fails it).
# scripts/fuzz NAME [RUNS] fuzzes it.
function(offpeak_fuzz_target name)
  cmake_parse_arguments(PARSE_ARGV 1 FUZZ "" "" "SOURCES;LIBS")
  set(corpus ${PROJECT_SOURCE_DIR}/tests/fuzz/${name})
  if(NOT IS_DIRECTORY ${corpus})
    message(FATAL_ERROR "fuzz target ${name}: no corpus folder tests/fuzz/${name}/")
  endif()
  set(target offpeak_fuzz_${name})
  add_executable(${target} ${PROJECT_SOURCE_DIR}/tests/fuzz/fuzz_${name}.cpp ${FUZZ_SOURCES})
  target_include_directories(${target} PRIVATE ${OFFPEAK_INCLUDE_DIR})
  target_link_options(${target} PRIVATE -fsanitize=fuzzer)
  target_link_libraries(${target} PRIVATE ${FUZZ_LIBS})
  add_dependencies(offpeak_fuzz_all ${target})
  set(artifacts ${CMAKE_CURRENT_BINARY_DIR}/artifacts/${name})
  file(MAKE_DIRECTORY ${artifacts})
  add_test(NAME fuzz_${name}
    COMMAND ${target} -runs=0 -timeout=10 -rss_limit_mb=2048 -artifact_prefix=${artifacts}/
            ${corpus})
  set_tests_properties(fuzz_${name} PROPERTIES LABELS fuzz TIMEOUT 120
    ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
endfunction()
