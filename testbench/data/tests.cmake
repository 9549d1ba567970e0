aimc_test(test_data_features SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_features.c
  LABELS unit)
