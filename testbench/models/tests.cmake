aimc_test(test_device SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_device.c LABELS unit conformance fault)
aimc_test(test_xbar SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_xbar.c LABELS unit fault)
aimc_test(test_program SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_program.c LABELS unit)
aimc_test(test_event_models SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_event_models.c LABELS unit conformance)
