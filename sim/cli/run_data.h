/* The data a command reads for a mapped model: `aimc run`'s test set and
 * `aimc sim --sample`'s one sequence come from the same choice. */
#ifndef AIMC_CLI_RUN_DATA_H
#define AIMC_CLI_RUN_DATA_H

#include <stddef.h>

#include "aimc/data.h"
#include "aimc/s4d_model.h"

/* The data spec the model (read from `model`) recorded, edited or replaced
 * by `data` (--data SPEC; NULL: as recorded, a usage error of `cmd` when
 * the model records none); a warning when it reshapes the sequences the
 * model was trained on. `label` names the choice in messages. */
int aimc_cli_choose_data(aimc_ctx *ctx, const char *cmd, const char *data,
                         const aimc_s4d_model *mdl, const char *model, aimc_data_spec *spec,
                         char *label, size_t len);

/* Sample k of a split of the data chosen for the model the mapped netlist
 * names (its meta): its features, len steps of n_in each, as `aimc run`
 * feeds its sample k (*x is the caller's to free). The data's features
 * must be n_in wide and k inside the split. */
int aimc_cli_sample_features(aimc_ctx *ctx, const char *netlist, const char *data,
                             aimc_data_split split, size_t k, int n_in, double **x, int *len);

#endif
