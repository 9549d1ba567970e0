aimc_test(test_sweep SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_sweep.c LABELS unit fault)
aimc_cli_test(sweep_cli LABELS e2e
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/sweep_cli.sh)
aimc_cli_test(sweep_is_run LABELS e2e
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/sweep_is_run.sh $<TARGET_FILE:infer_fixture_model>)
