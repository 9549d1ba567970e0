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
# The wiring (gathers' index maps) equals the mapping: rows and output
# buses evaluated with the gather model, written maps read back, an edited
# map refused.
aimc_test(test_map_wiring SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_wiring.c
  ${CMAKE_CURRENT_LIST_DIR}/../infer/model_fixture.c LABELS unit)
target_include_directories(test_map_wiring PRIVATE ${CMAKE_CURRENT_LIST_DIR}/../infer ${PROJECT_SOURCE_DIR})
# aimc check on freshly mapped netlists (both forms, dense digital or on
# crossbars): a closed graph, only features and logits external; bad index
# maps, port-array elements out of range and older layouts exit 2.
aimc_cli_test(map_cli_wiring LABELS e2e
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/cli_wiring.sh $<TARGET_FILE:infer_fixture_model>)
# aimc check reads the files the instances name (calibration, targets,
# index maps, the exported model): a bad one exits 2 at file:line:col.
aimc_cli_test(map_cli_check_files LABELS e2e badinput
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/cli_check_files.sh $<TARGET_FILE:infer_fixture_model>)
# The whole tile in words: every array's event dac -> crossbar -> tia ->
# adc reads as aimc run's array read, bit for bit, ideal and noisy.
aimc_test(test_map_tile_words SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_tile_words.c
  ${CMAKE_CURRENT_LIST_DIR}/../infer/model_fixture.c LABELS unit)
target_include_directories(test_map_tile_words PRIVATE ${CMAKE_CURRENT_LIST_DIR}/../infer
  ${PROJECT_SOURCE_DIR})
