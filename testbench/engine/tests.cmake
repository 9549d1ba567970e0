aimc_test(test_engine LABELS unit fault
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_engine.c)
