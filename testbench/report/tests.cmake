aimc_test(test_report SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_report.c LABELS unit fault)
aimc_test(test_report_instances SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_report_instances.c LABELS unit)
aimc_test(test_report_errors SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_report_errors.c LABELS unit)
# report_average and report_errors_note are internal (sim/report/report_impl.h).
target_include_directories(test_report_errors PRIVATE ${PROJECT_SOURCE_DIR}/sim/report)
aimc_cli_test(report_chromium LABELS e2e
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/report_chromium.sh)
aimc_cli_test(report_errors_cli LABELS e2e
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/report_errors_cli.sh)
aimc_cli_test(report_unit LABELS e2e
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/report_unit.sh)
