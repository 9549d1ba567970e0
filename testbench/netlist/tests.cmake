aimc_test(test_netlist_errors SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_netlist_errors.c
  LABELS unit fault)
aimc_test(test_netlist_examples SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_examples.c
  LABELS e2e)
aimc_cli_test(cli_netlist LABELS e2e
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/cli_netlist.sh)
aimc_test(test_graph_write SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_graph_write.c
  LABELS unit fault)
aimc_test(test_netlist_limits SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_netlist_limits.c
  LABELS unit)
