# libFuzzer targets, one per parser (docs/reliability.md). They build only in
# a clang tree configured with -DAIMC_FUZZ=ON; the ordinary tree gets the
# `slow` test fuzz_parsers, whose run.sh makes that tree (clang-14 from
# Debian), replays testbench/fuzz/regressions/ and fuzzes every target for
# a bounded time. No clang: the test is skipped (exit 77).
option(AIMC_FUZZ "Build the libFuzzer targets (needs clang)" OFF)
set(_f ${CMAKE_CURRENT_LIST_DIR})
set(AIMC_FUZZ_TARGETS units yaml netlist model checkpoint programming audio idx calibration
  mapped layout)
if(AIMC_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "AIMC_FUZZ needs clang (-DCMAKE_C_COMPILER=clang-14)")
  endif()
  foreach(t ${AIMC_FUZZ_TARGETS})
    add_executable(fuzz_${t} ${_f}/fuzz_${t}.c)
    target_link_libraries(fuzz_${t} PRIVATE aimc)
    target_include_directories(fuzz_${t} PRIVATE ${PROJECT_SOURCE_DIR}/sim/include
      ${PROJECT_SOURCE_DIR}/sim/data)
    target_compile_options(fuzz_${t} PRIVATE -fsanitize=fuzzer)
    target_link_options(fuzz_${t} PRIVATE -fsanitize=fuzzer)
  endforeach()
else()
  # FUZZ_SECONDS per target (default 60): 11 targets, about 12 minutes.
  aimc_cli_test(fuzz_parsers LABELS slow TIMEOUT 7200
    COMMAND sh ${_f}/run.sh ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
  set_tests_properties(fuzz_parsers PROPERTIES SKIP_RETURN_CODE 77)
endif()
