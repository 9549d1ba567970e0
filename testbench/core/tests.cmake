aimc_test(test_units SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_units.c LABELS unit)
aimc_test(test_context SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_context.c LABELS unit fault)
aimc_test(test_params SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_params.c LABELS unit)
aimc_test(test_vcd SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_vcd.c LABELS unit fault)
aimc_cli_test(cli_usage LABELS unit e2e
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/cli_usage.sh)
aimc_test(test_fileio SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_fileio.c LABELS unit)
aimc_cli_test(crash_outputs LABELS slow e2e TIMEOUT 900
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/crash_outputs.sh $<TARGET_FILE:infer_fixture_model>)
aimc_test(test_blas_binding SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_blas_binding.c LABELS unit)
# The backend plugins load on demand (sim/core/plugin.c).
aimc_test(test_plugin SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_plugin.c LABELS unit)
target_include_directories(test_plugin PRIVATE ${PROJECT_SOURCE_DIR})
