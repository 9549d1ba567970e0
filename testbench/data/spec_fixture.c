/* Data spec fixture shared by the data-layer tests (see spec_fixture.h). */
#include "spec_fixture.h"

#include <stdio.h>

aimc_data_spec test_data_spec(const char *dir, int task) {
  size_t n;
  const aimc_param *t = aimc_data_params(&n);
  aimc_data_spec s;
  aimc_params_defaults(t, n, &s);
  s.task = task;
  snprintf(s.dir, sizeof s.dir, "%s", dir);
  s.val_fraction = 0.25;
  /* The fixtures' trees have one or two training speakers: the tests of
   * the file split use it; test_speaker_splits sets val_speakers itself. */
  s.val_speakers = 0;
  return s;
}
