/* The event crossbar's read in words (models/crossbar.c, a crossbar whose
 * `layout` param names its array's layout, aimc/xbar_layout.h): its rows
 * carry calibrated words, each slot is read through the read plan `aimc
 * run` reads with (aimc/xbar_read.h) on the conductances the array
 * presents, and the read is priced as `aimc run` prices it. */
#ifndef AIMC_MODELS_CROSSBAR_WORDS_H
#define AIMC_MODELS_CROSSBAR_WORDS_H

#include "aimc/engine.h"
#include "aimc/xbar.h"
#include "aimc/xbar_layout.h"

typedef struct aimc_xbar_words aimc_xbar_words;

/* The layout file `rel` names (from the folder of `source`, the netlist
 * file), of a rows x cols array; who ("crossbar <name>", or "") prefixes
 * the messages. The caller frees *out. */
int aimc_xbar_words_layout(aimc_ctx *ctx, const char *source, const char *rel, int rows,
                           int cols, const char *who, aimc_xbar_layout **out);

/* inst's read in words from its layout file `rel` (owned by the
 * instance), and the cells value programming pulses, into pulsed. */
int aimc_xbar_words_open(aimc_inst *inst, const char *rel, int rows, int cols,
                         unsigned char *pulsed, aimc_xbar_words **out);

/* After programming, before drift: the full-scale read on the programmed
 * cells, and whether the array reads the layout's exact weights (every
 * placed device at its target, and `still`: no drift, no wire
 * resistance), as aimc run decides it (sim/infer/hw.c). */
void aimc_xbar_words_programmed(aimc_xbar_words *w, const aimc_xbar *x, int still);

/* After drift and the wires: a read plan per slot (once: a reset gives
 * the same cells), with the device's read noise when read_noise. */
int aimc_xbar_words_plan(aimc_inst *inst, aimc_xbar_words *w, aimc_xbar *x, double r_wire,
                         int read_noise);

/* One read of the words in (rows) into out (cols), drawing from the
 * instance's noise stream; slots sharing columns add. Returns the use
 * the crossbar's op_cost prices. */
const aimc_op_use *aimc_xbar_words_read(aimc_inst *inst, aimc_xbar_words *w, int read_noise,
                                        const double *in, double *out, int cols);

#endif
