aimc_test(test_map SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_map.c
  ${CMAKE_CURRENT_LIST_DIR}/../infer/model_fixture.c LABELS unit fault)
target_include_directories(test_map PRIVATE ${CMAKE_CURRENT_LIST_DIR}/../infer)
# The targets CSV reader and the device card check.
aimc_test(test_map_targets SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_targets.c
  ${CMAKE_CURRENT_LIST_DIR}/../infer/model_fixture.c LABELS unit)
target_include_directories(test_map_targets PRIVATE ${CMAKE_CURRENT_LIST_DIR}/../infer)
