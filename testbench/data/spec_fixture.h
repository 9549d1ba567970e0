/* The data spec the data-layer tests start from: the table's defaults, a
 * task, a directory and a 25 % validation split. */
#ifndef AIMC_TEST_SPEC_FIXTURE_H
#define AIMC_TEST_SPEC_FIXTURE_H

#include "aimc/data.h"

aimc_data_spec test_data_spec(const char *dir, int task);

#endif
