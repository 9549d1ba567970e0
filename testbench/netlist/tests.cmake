aimc_test(test_netlist_errors SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_netlist_errors.c
  LABELS unit fault)
