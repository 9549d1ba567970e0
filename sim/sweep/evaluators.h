/* The built-in sweep evaluators, one per file, listed in evaluators.c. */
#ifndef AIMC_SWEEP_EVALUATORS_H
#define AIMC_SWEEP_EVALUATORS_H

#include "aimc/sweep.h"

extern const aimc_sweep_evaluator aimc_sweep_pipeline_evaluator;
extern const aimc_sweep_evaluator aimc_sweep_synthetic_evaluator;

#endif
