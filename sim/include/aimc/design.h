/* An elaborated design: the flat list of model instances and nets that a
 * netlist becomes after includes, subcircuits, repetition and parameter
 * expressions are resolved. The netlist loader makes it (aimc/netlist.h);
 * the engine runs it; the graph renderer draws it.
 *
 * Invariants: every instance has a registered model and bound, validated
 * params; port_net[p] is a net index or -1 (unconnected); every net has at
 * most one driver, its width equals the width of every port on it, and all
 * its ports share its kind. Instance names are unique full paths
 * ("layer0.tile3.adc"); their dotted prefixes are the hierarchy. */
#ifndef AIMC_DESIGN_H
#define AIMC_DESIGN_H

#include <stddef.h>

#include "aimc/context.h"
#include "aimc/model.h"
#include "aimc/units.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  char *name;              /* full hierarchical path                     */
  char *subckt;            /* subcircuit type it came from, or NULL      */
  const aimc_model *model;
  void *params;            /* model->params_size bytes                   */
  int *port_net;           /* model->n_ports net indices (-1: open)      */
  aimc_srcloc loc;         /* where it was written (file owned by design) */
} aimc_design_inst;

typedef struct {
  char *name;              /* full hierarchical path                     */
  aimc_sig_kind kind;
  int width;
  int driver;              /* instance index, -1 if driven from outside  */
  int driver_port;
  aimc_srcloc loc;
} aimc_design_net;

/* A subcircuit instance: one level of the hierarchy (graphs draw it as a
 * cluster, reports may group by it). Its instances are those whose name
 * starts with "<name>.". */
typedef struct {
  char *name;              /* full path, e.g. "layer0.tile3"             */
  char *subckt;            /* its subcircuit type, e.g. "tile"            */
  aimc_srcloc loc;
} aimc_design_block;

typedef struct aimc_design {
  char *path;              /* the top netlist file                       */
  char *name;              /* `name:` of the netlist                      */
  aimc_time clock_period;  /* fs; 0 if no clock section                  */
  aimc_time resolution;    /* fs                                         */
  size_t n_inst;
  aimc_design_inst *inst;
  size_t n_net;
  aimc_design_net *net;
  char **files;            /* every file read (owns the srcloc strings)   */
  size_t n_files;
  size_t n_block;          /* subcircuit instances, parents first         */
  aimc_design_block *block;
  /* Name -> index of inst and net, built by the loader (NULL in a design
   * made by hand: lookups then scan). */
  struct aimc_design_index *index;
} aimc_design;

void aimc_design_free(aimc_ctx *ctx, aimc_design *d);
/* Index of an instance / net by full name, or -1 (hashed: O(1)). */
int aimc_design_find_inst(const aimc_design *d, const char *name);
int aimc_design_find_net(const aimc_design *d, const char *name);

#ifdef __cplusplus
}
#endif
#endif
