aimc_test(test_map SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_map.c
  ${CMAKE_CURRENT_LIST_DIR}/../infer/model_fixture.c LABELS unit fault)
target_include_directories(test_map PRIVATE ${CMAKE_CURRENT_LIST_DIR}/../infer)
# The targets CSV reader and the device card check.
aimc_test(test_map_targets SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_targets.c
  ${CMAKE_CURRENT_LIST_DIR}/../infer/model_fixture.c LABELS unit)
target_include_directories(test_map_targets PRIVATE ${CMAKE_CURRENT_LIST_DIR}/../infer)
# The arrays' layout files: exact round trip, the runner's weights, bad files.
aimc_test(test_map_layout SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_layout.c
  ${CMAKE_CURRENT_LIST_DIR}/../infer/model_fixture.c LABELS unit badinput)
target_include_directories(test_map_layout PRIVATE ${CMAKE_CURRENT_LIST_DIR}/../infer
  ${PROJECT_SOURCE_DIR})
