aimc_test(test_device SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_device.c LABELS unit conformance fault)
aimc_test(test_xbar SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_xbar.c LABELS unit fault)
aimc_test(test_program SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_program.c LABELS unit)
aimc_test(test_event_models SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_event_models.c LABELS unit conformance fault)
aimc_cli_test(cli_models LABELS unit e2e COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/cli_models.sh)
aimc_cli_test(models_docs_current LABELS unit COMMAND sh ${PROJECT_SOURCE_DIR}/scripts/gen-model-docs.sh --check)
aimc_test(test_eval SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_eval.c LABELS unit conformance)
aimc_test(test_spice SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_spice.c LABELS unit conformance)
aimc_test(test_spice_large SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_spice.c LABELS slow conformance ARGS 64 128 TIMEOUT 3600)
aimc_cli_test(cli_spice LABELS unit e2e COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/cli_spice.sh)
aimc_test(test_xbar_read SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_xbar_read.c LABELS unit)
aimc_test(test_program_nn SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_program_nn.c LABELS unit)
aimc_test(test_device_fit SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_device_fit.c LABELS unit)
aimc_test(test_program_nn_targets SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_program_nn_targets.c LABELS slow TIMEOUT 900)
aimc_test(test_calibration SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_calibration.c LABELS unit badinput)
# s4d_digital in the event kernel: each op equals its eval bit for bit and
# books its op_cost; pool -> mean over time equals the batched form; a
# missing or mismatched model file is refused at init.
aimc_test(test_s4d_digital_event SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_s4d_digital_event.c
  ${PROJECT_SOURCE_DIR}/testbench/infer/model_fixture.c LABELS unit conformance)
target_include_directories(test_s4d_digital_event PRIVATE ${PROJECT_SOURCE_DIR}/testbench/infer)
