aimc_test(test_map SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_map.c
  ${CMAKE_CURRENT_LIST_DIR}/../infer/model_fixture.c LABELS unit fault)
target_include_directories(test_map PRIVATE ${CMAKE_CURRENT_LIST_DIR}/../infer)
