set(_fx ${CMAKE_CURRENT_LIST_DIR}/model_fixture.c)
aimc_test(test_infer_golden SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_golden.c ${_fx} LABELS golden)
target_include_directories(test_infer_golden PRIVATE ${CMAKE_CURRENT_LIST_DIR})
aimc_test(test_infer_energy SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_energy.c ${_fx} LABELS unit golden)
target_include_directories(test_infer_energy PRIVATE ${CMAKE_CURRENT_LIST_DIR} ${PROJECT_SOURCE_DIR})
add_executable(infer_fixture_model ${CMAKE_CURRENT_LIST_DIR}/fixture_model_main.c ${_fx})
target_link_libraries(infer_fixture_model PRIVATE aimc_testsupport)
target_include_directories(infer_fixture_model PRIVATE ${CMAKE_CURRENT_LIST_DIR})
aimc_cli_test(infer_cli_run LABELS e2e
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/cli_run.sh $<TARGET_FILE:infer_fixture_model>)
# aimc run takes the hardware from the netlist: sed-edited netlists act as
# the matching arch settings; disagreeing tiles and bad edits exit 2.
aimc_cli_test(infer_cli_netlist_hw LABELS e2e
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/cli_netlist_hw.sh $<TARGET_FILE:infer_fixture_model>)
# Every param of every tile part acts in aimc run, or the table says why not.
# About 50 runs of aimc run: 30-70 s alone, over 300 s beside another full
# test run on the 2 cores.
aimc_cli_test(infer_cli_every_param LABELS e2e TIMEOUT 900
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/cli_every_param.sh $<TARGET_FILE:infer_fixture_model>)
aimc_test(test_infer_program SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_program.c ${_fx} LABELS unit fault)
target_include_directories(test_infer_program PRIVATE ${CMAKE_CURRENT_LIST_DIR})
# IMSSA Fig. 4 in shape (slow): trains both zero_one models, runs the
# sweep configs/sweeps/fig4.yaml through fig4.sh and checks that the 5-bit
# model loses more accuracy than the 2-bit one, in standard errors.
aimc_cli_test(infer_fig4 LABELS slow TIMEOUT 3600
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/fig4_test.sh)
set_tests_properties(infer_fig4 PROPERTIES SKIP_RETURN_CODE 77)
# Batched runs: bit-identical to lone runs with ideal devices; per-sample
# noise streams; the normal deviates of the noise.
aimc_test(test_infer_batch SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_batch.c ${_fx} LABELS unit golden)
target_include_directories(test_infer_batch PRIVATE ${CMAKE_CURRENT_LIST_DIR} ${PROJECT_SOURCE_DIR})
# The model's recorded data spec: aimc run without --data, a warning when
# --data reshapes the sequences, sweeps without a data setting.
aimc_cli_test(infer_cli_data_spec LABELS e2e
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/cli_data_spec.sh $<TARGET_FILE:infer_fixture_model>)
# --trace: VCD and CSV of one inference's stage events (cli_trace.sh).
aimc_cli_test(infer_cli_trace LABELS e2e conformance
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/cli_trace.sh $<TARGET_FILE:infer_fixture_model>)
# Loading a saved programming: CRC first, the file's own shape, the owner,
# then conductances and costs; residual statistics recomputed.
aimc_test(test_infer_hw_load SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_hw_load.c ${_fx} LABELS unit fault)
target_include_directories(test_infer_hw_load PRIVATE ${CMAKE_CURRENT_LIST_DIR})
# Drift, stuck cells and read noise are the tile's device model's: the
# card's drift law, the event crossbar's read of the same array, the card's
# stuck probability and read noise; the removed arch keys say what to use.
aimc_test(test_infer_physics SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_physics.c ${_fx} LABELS unit)
target_include_directories(test_infer_physics PRIVATE ${CMAKE_CURRENT_LIST_DIR} ${PROJECT_SOURCE_DIR})
# aimc sim on a mapped netlist: the periphery reads its tensors from the
# model param; bad, missing or foreign models are refused (exit 2).
aimc_cli_test(infer_cli_sim_periph LABELS e2e
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/cli_sim_periph.sh $<TARGET_FILE:infer_fixture_model>)
# aimc sim --input: one inference from a features CSV; bad input exit 2.
aimc_cli_test(infer_cli_sim_input LABELS e2e
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/cli_sim_input.sh $<TARGET_FILE:infer_fixture_model>)
# aimc sim --sample K: sample K of the data as aimc run feeds it.
aimc_cli_test(infer_cli_sim_sample LABELS e2e
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/cli_sim_sample.sh $<TARGET_FILE:infer_fixture_model>)
# One programming: aimc run's arrays and the event crossbar instances of the
# mapped netlist hold the same conductances bit for bit (Gaussian with stuck
# cells and exact zeros; write-verify), and another seed gives others.
aimc_test(test_infer_program_agree SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_program_agree.c
  ${CMAKE_CURRENT_LIST_DIR}/program_agree_event.c ${_fx} LABELS unit conformance)
target_include_directories(test_infer_program_agree PRIVATE ${CMAKE_CURRENT_LIST_DIR} ${PROJECT_SOURCE_DIR})
# Two analyses, one answer (issue #13, plan step 5): aimc sim --input's
# event path and aimc run's session give the same logits on one sequence,
# bit for bit, ideal and with every shared non-ideality on.
aimc_test(test_infer_two_analyses SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_two_analyses.c ${_fx}
  ${PROJECT_SOURCE_DIR}/sim/cli/sim_input.c LABELS e2e)
target_include_directories(test_infer_two_analyses PRIVATE ${CMAKE_CURRENT_LIST_DIR}
  ${PROJECT_SOURCE_DIR})
