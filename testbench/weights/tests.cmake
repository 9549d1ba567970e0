# The exported-model file (sim/weights). Tests of its internals include
# sim/weights/ headers, never trainer/ ones.
aimc_test(test_weights_check SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_check.c
  LABELS unit fault)
target_include_directories(test_weights_check PRIVATE
  ${PROJECT_SOURCE_DIR}/sim/weights)
