/* The gather: one generic digital wiring operation (models/gather.c,
 * registered as "gather"). Its inputs are a port array (aimc/model.h),
 * in[0] .. in[P-1], of the widths its `widths` param lists; its output is
 * n words, each the sum of the (input port, word) pairs its index map
 * lists for it (none: 0). It is how a mapped netlist says which layer
 * channel, held state word or other array's column feeds which row of an
 * array, and which array columns (partial sums of a column split over
 * arrays along its rows, added) form a layer's output (docs/mapping.md).
 *
 * The index map is a CSV file beside the netlist (param `map`, relative to
 * the netlist's folder), a header and one line per pair:
 *
 *     out,port,word
 *     0,0,0          <- output word 0 gets word 0 of in[0]
 *     5,1,3
 *     7,2,0          <- output word 7 gets word 0 of in[2] ...
 *     7,3,0          <- ... plus word 0 of in[3]
 *
 * Pairs of one output word are added in the order they are listed. Blank
 * lines and '#' comments are skipped. Every field is a decimal integer in
 * range (out < n, port < P, word < the port's width), else the file is
 * refused at its file:line:col. */
#ifndef AIMC_GATHER_H
#define AIMC_GATHER_H

#include <stddef.h>
#include <stdio.h>

#include "aimc/context.h"
#include "aimc/model.h"
#include "aimc/param.h"
#include "aimc/units.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AIMC_GATHER_HEADER "out,port,word"

/* The params of a gather instance (`aimc models --describe gather`). */
typedef struct {
  int n;                            /* output words                      */
  char widths[AIMC_PARAM_STRLEN];   /* the inputs' widths ("64,32,32")   */
  char map[AIMC_PARAM_STRLEN];      /* the index map CSV                 */
  int primed;                       /* leading inputs arrived at start   */
  int skip;                         /* outputs dropped after a reset     */
  double e_word;                    /* J per output word (0: wiring)     */
  aimc_time t_op;                   /* from the last arrival to the out  */
} aimc_gather_params;

/* An index map in compressed rows: output word j sums the input words
 * src[start[j]] .. src[start[j+1] - 1] of eval's input, the input ports'
 * words one after the other (port k's word w at off[k] + w). */
typedef struct {
  int n;        /* output words                                        */
  int n_ports;  /* input ports                                         */
  int n_in;     /* input words, all ports                              */
  int *off;     /* n_ports + 1: where each port's words start          */
  int *start;   /* n + 1                                               */
  int *src;     /* start[n] words of the concatenated input            */
} aimc_gather_map;

/* The map of a gather of params p from n_pairs pairs (out[k], port[k],
 * word[k]), each output's pairs in the order given. AIMC_ERANGE (message
 * naming pair k) for a pair out of range, AIMC_EINVAL for malformed
 * widths. */
int aimc_gather_map_build(aimc_ctx *ctx, const aimc_gather_params *p, size_t n_pairs,
                          const int *out, const int *port, const int *word, aimc_gather_map *m);
void aimc_gather_map_fini(aimc_ctx *ctx, aimc_gather_map *m);
/* 1 when a and b list the same pairs in the same order. */
int aimc_gather_map_equal(const aimc_gather_map *a, const aimc_gather_map *b);
/* The (port, word) of input word `src` of m. */
void aimc_gather_map_source(const aimc_gather_map *m, int src, int *port, int *word);

/* Reads the index map `path` for a gather of params p. A file that cannot
 * be read is AIMC_ENOTFOUND; a wrong header, a line of other than three
 * fields, a field that is not a decimal integer (nan, 1.5) or one out of
 * range is AIMC_EFORMAT / AIMC_ESHAPE / AIMC_ERANGE with file:line:col.
 * Lines may come in any order of out; pairs of one out keep theirs. */
int aimc_gather_map_read(aimc_ctx *ctx, const char *path, const aimc_gather_params *p,
                         aimc_gather_map *m);
/* Writes m as an index map file's text (header and lines) to o. */
void aimc_gather_map_write(FILE *o, const aimc_gather_map *m);

/* The registered model. */
const aimc_model *aimc_gather_model(void);

#ifdef __cplusplus
}
#endif
#endif
