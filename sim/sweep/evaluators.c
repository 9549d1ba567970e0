/* The registry of sweep evaluators (see aimc_sweep_evaluator in sweep.h). */
#include "evaluators.h"

#include <string.h>

#include "aimc/sweep.h"

static const aimc_sweep_evaluator *const EVALUATORS[] = {
    &aimc_sweep_pipeline_evaluator,
    &aimc_sweep_synthetic_evaluator,
};

const aimc_sweep_evaluator *aimc_sweep_evaluator_at(size_t i) {
  return i < sizeof EVALUATORS / sizeof EVALUATORS[0] ? EVALUATORS[i] : NULL;
}

const aimc_sweep_evaluator *aimc_sweep_evaluator_find(const char *name) {
  for (size_t i = 0; aimc_sweep_evaluator_at(i); i++)
    if (strcmp(EVALUATORS[i]->name, name) == 0) return EVALUATORS[i];
  return NULL;
}
