aimc_test(test_kernel LABELS unit fault conformance
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_kernel.c ${CMAKE_CURRENT_LIST_DIR}/workload.c)
aimc_cli_test(sim_vcd LABELS e2e conformance
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/sim_vcd.sh)
