# The bad-input suite (docs/reliability.md): run.sh replays every case of
# testbench/bad-inputs/*.tsv against the built CLI. One test, in the default
# suite and in the sanitizer build.
set(_b ${CMAKE_CURRENT_LIST_DIR})
add_executable(badinput_hdtree ${_b}/mkhdtree.c ${PROJECT_SOURCE_DIR}/testbench/data/hdtree.c)
target_link_libraries(badinput_hdtree PRIVATE aimc_testsupport PkgConfig::SNDFILE)
target_include_directories(badinput_hdtree PRIVATE ${PROJECT_SOURCE_DIR}/testbench/data)
aimc_cli_test(bad_inputs LABELS unit badinput TIMEOUT 1200
  COMMAND sh ${_b}/run.sh $<TARGET_FILE:aimc_cli> ${PROJECT_BINARY_DIR})
if(AIMC_SANITIZE)
  # Sanitized binaries start and exit slower: a longer limit per case.
  set_property(TEST bad_inputs APPEND PROPERTY ENVIRONMENT BADINPUT_TIMEOUT=60)
endif()
