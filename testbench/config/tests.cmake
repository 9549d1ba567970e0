aimc_test(test_config SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_config.c LABELS unit fault)
