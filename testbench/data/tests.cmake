# Data layer (helper D): features, Fashion-MNIST, the HD-layout loader,
# the espeak-ng generator, and the `aimc data` CLI.
set(_d ${CMAKE_CURRENT_LIST_DIR})
aimc_test(test_data_features SOURCES ${_d}/test_features.c LABELS unit)
aimc_test(test_data_fmnist SOURCES ${_d}/test_fmnist.c ${_d}/spec_fixture.c LABELS unit fault)
aimc_test(test_data_digits SOURCES ${_d}/test_digits.c ${_d}/hdtree.c ${_d}/spec_fixture.c
  LABELS unit fault)
aimc_test(test_data_augment SOURCES ${_d}/test_augment.c LABELS unit)
target_include_directories(test_data_augment PRIVATE ${PROJECT_SOURCE_DIR})
aimc_test(test_data_gen SOURCES ${_d}/test_gen.c LABELS unit fault TIMEOUT 300)
aimc_cli_test(data_cli LABELS e2e TIMEOUT 120
  COMMAND sh ${_d}/data_cli.sh)
# The feature cache loader: header CRC, the file's own shape, key, then
# each read file's CRC and values.
aimc_test(test_data_cache_check SOURCES ${_d}/test_cache_check.c LABELS unit fault)
target_include_directories(test_data_cache_check PRIVATE ${PROJECT_SOURCE_DIR}/sim/data)
# One split's load (aimc run) against a full load; the statistics kept.
aimc_test(test_data_split_load SOURCES ${_d}/test_split_load.c ${_d}/hdtree.c
  ${_d}/spec_fixture.c LABELS unit fault)
target_include_directories(test_data_split_load PRIVATE ${PROJECT_SOURCE_DIR}/sim/data)
