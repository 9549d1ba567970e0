/* The pipeline evaluator: one sweep run = map -> program -> run of the
 * inference API (aimc/infer.h) on the point's architecture and model. */
#include "aimc/status.h"
#include "evaluators.h"

static int pipeline_eval(aimc_ctx *ctx, const aimc_sweep_point *pt,
                         aimc_sweep_result *res) {
  (void)pt;
  (void)res;
  return aimc_error(ctx, AIMC_ENOTFOUND,
                    "the pipeline evaluator needs the inference API (aimc/infer.h), "
                    "not in this build yet; use 'evaluator: synthetic'");
}

const aimc_sweep_evaluator aimc_sweep_pipeline_evaluator = {
    .name = "pipeline",
    .summary = "map -> program -> run through the inference API",
    .check = NULL,
    .eval = pipeline_eval,
};
