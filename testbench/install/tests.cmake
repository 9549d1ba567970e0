# Stages `cmake --install` into a temporary prefix and uses it as a
# library user would: pkg-config and find_package builds of the examples,
# exported symbols, man pages, completion.
if(AIMC_SHARED)
  aimc_cli_test(install_staged LABELS e2e TIMEOUT 240
    COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/install.sh ${PROJECT_BINARY_DIR})
endif()
aimc_cli_test(cluster_sbatch LABELS e2e TIMEOUT 240
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/cluster.sh)
aimc_cli_test(cli_global_options LABELS unit e2e
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/cli_global.sh)
aimc_test(test_helpdoc SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_helpdoc.c
  ${PROJECT_SOURCE_DIR}/sim/cli/helpdoc.c LABELS unit)
target_include_directories(test_helpdoc PRIVATE ${PROJECT_SOURCE_DIR}/sim/cli)
