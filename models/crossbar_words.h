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
 * instance's noise stream; slots sharing columns add. var (cols, or
 * NULL: every slot draws its read noise): each column's read-noise
 * variance left undrawn for the converter after it (aimc_eval.in_var), as
 * aimc run hands it to the TIA or ADC, or -1 where nothing is left (the
 * slot is noiseless, read_noise is off, slots share the column, or no
 * slot reads it). Returns the use the crossbar's op_cost prices. */
const aimc_op_use *aimc_xbar_words_read(aimc_inst *inst, aimc_xbar_words *w, int read_noise,
                                        const double *in, double *out, double *var, int cols);

/* The layout file `rel` names (from inst's netlist folder), owned by the
 * instance, for a converter of n columns of the array's tile (a words
 * tia or adc): every slot's columns among them. Such a converter
 * evaluates slot by slot, as aimc run does (aimc_xbar_words_group). */
int aimc_xbar_words_columns(aimc_inst *inst, const char *rel, int n,
                            const aimc_xbar_layout **out);

/* Groups of columns a words converter of n columns evaluates, each one
 * call of its model's eval with chan0 its first column, in the order aimc
 * run converts them: the layout's slots (aimc run reads each slot's
 * columns through the tile's converters), or one group of every column
 * without a layout or when slots share columns. */
int aimc_xbar_words_groups(const aimc_xbar_layout *l);
void aimc_xbar_words_group(const aimc_xbar_layout *l, int n, int g, int *c0, int *nc);

/* The undrawn variance of a group starting at column c0, from a `var`
 * input port's value (aimc_xbar_words_read): NULL when the port is
 * unconnected or the group's first column says none (negative). */
static inline const double *aimc_xbar_words_var(const double *var, int c0) {
  return var && var[c0] >= 0 ? var + c0 : NULL;
}

#endif
