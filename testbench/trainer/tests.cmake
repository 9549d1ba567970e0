# Trainer tests (helper E). Tests of internals include trainer/ headers.
foreach(t grad forms export train select ckpt_check dense)
  aimc_test(test_trainer_${t} SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_${t}.c LABELS unit fault)
  target_include_directories(test_trainer_${t} PRIVATE ${PROJECT_SOURCE_DIR}/trainer)
endforeach()
aimc_cli_test(cli_train LABELS e2e COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/cli_train.sh)
aimc_cli_test(cli_train_honest LABELS e2e COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/cli_honest.sh)
