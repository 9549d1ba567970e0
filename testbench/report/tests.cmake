aimc_test(test_report SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_report.c LABELS unit fault)
aimc_cli_test(report_chromium LABELS e2e
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/report_chromium.sh)
