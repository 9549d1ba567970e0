set(_fx ${CMAKE_CURRENT_LIST_DIR}/model_fixture.c)
aimc_test(test_infer_golden SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_golden.c ${_fx} LABELS golden)
target_include_directories(test_infer_golden PRIVATE ${CMAKE_CURRENT_LIST_DIR})
