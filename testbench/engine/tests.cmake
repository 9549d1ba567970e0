aimc_test(test_engine LABELS unit fault
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_engine.c)
aimc_cli_test(sim_cli LABELS e2e conformance
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/sim_cli.sh)
aimc_test(test_engine_replay LABELS unit conformance
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_engine_replay.c)
