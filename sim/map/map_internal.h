/* Internal pieces of the mapper shared between its files. */
#ifndef AIMC_MAP_INTERNAL_H
#define AIMC_MAP_INTERNAL_H

#include "aimc/gather.h"
#include "aimc/map.h"

int aimc_map_matrix_init(aimc_ctx *ctx, aimc_map_matrix *mx, aimc_op_kind k,
                         int layer, int n_blocks, const int *blk_in,
                         const int *blk_out);
void aimc_map_matrix_fini(aimc_ctx *ctx, aimc_map_matrix *mx);
/* Appends the logical matrices of the model to m->mats (m->modes, m->arch
 * and the shape must be set). */
int aimc_map_build_matrices(aimc_ctx *ctx, const aimc_s4d_model *mdl,
                            aimc_mapping *m);

/* The tiles of every array from m->arch and the layout (tile.c). */
int aimc_map_build_tiles(aimc_ctx *ctx, aimc_mapping *m);
void aimc_map_free_tiles(aimc_ctx *ctx, aimc_mapping *m);
/* Each tile's channel calibration from the model's quantizers (calib.c). */
int aimc_map_calibrate_tiles(aimc_ctx *ctx, aimc_mapping *m, const aimc_s4d_model *mdl);
/* The `tile` subcircuit of the netlist, and the params of array k's tile
 * instance (`targets`: the path its crossbar reads; `layout`: its
 * crossbar's layout file; `cal`: its converters' calibration file). */
void aimc_map_emit_tile_subckt(FILE *o, const aimc_mapping *m);
void aimc_map_emit_tile_params(FILE *o, const aimc_mapping *m, size_t k, const char *targets,
                               const char *layout, const char *cal);

/* The digital periphery of the model (periph.c): built from the model's
 * shape and the arch, written into the netlist as instances and the nets
 * between them. */
int aimc_map_build_periph(aimc_ctx *ctx, aimc_mapping *m, const aimc_s4d_model *mdl);
void aimc_map_emit_periph(FILE *o, const aimc_mapping *m, const char *model);
struct aimc_map_wiring;
void aimc_map_emit_periph_nets(FILE *o, const aimc_mapping *m, const struct aimc_map_wiring *w);
/* The arch values of an s4d_digital instance's params (tile.c, the one
 * arch -> param table): energy.e_mac -> e_mac and e_op, timing.t_digital
 * -> t_op. */
int aimc_map_periph_from_arch(aimc_ctx *ctx, const aimc_arch *a, void *params);
/* The netlist's values (net) of those params over block where hand
 * edited and no override of sets names their arch key. */
void aimc_map_periph_merge(void *block, const void *net, const char *const *sets, int n_sets);

/* The wiring (wiring.c, wiring_io.c; docs/mapping.md "The wiring"):
 * a gather per array (its rows) and per output bus (a layer's output,
 * the separate form's state parts, a dense layer's sums), the register of
 * a layer's previous input (single form). A gather's port k reads net
 * port[k].net; pair (out, port, word) adds that port's word to output
 * word out; the primed ports (fed back from a tile's register) come
 * first. A register reads port[0].net and drives out_net. */
typedef enum { AIMC_WIRE_GATHER = 0, AIMC_WIRE_REGISTER } aimc_map_wire_kind;

typedef struct {
  char net[80];
  int width;
  int primed;
} aimc_map_wire_port;

typedef struct {
  aimc_map_wire_kind kind;
  char name[80];              /* the instance                          */
  char out_net[80];           /* the net it drives                     */
  int n;                      /* output words                          */
  int n_ports;
  aimc_map_wire_port *port;
  int primed;                 /* leading primed ports                  */
  int skip;                   /* outputs dropped at the start (gather)  */
  char widths[AIMC_PARAM_STRLEN]; /* the ports' widths, the gather's param */
  size_t n_pairs, cap;
  int *pair;                  /* n_pairs x (out, port, word)          */
} aimc_map_wire;

typedef struct aimc_map_wiring {
  size_t n;
  aimc_map_wire *wire;
} aimc_map_wiring;

int aimc_map_build_wiring(aimc_ctx *ctx, const aimc_mapping *m, aimc_map_wiring *w);
void aimc_map_free_wiring(aimc_ctx *ctx, aimc_map_wiring *w);
/* A gather's params (its index map file: `map`). */
void aimc_map_wire_params(const aimc_map_wire *g, const char *map, aimc_gather_params *p);
/* A gather's index map, as the mapping makes it. */
int aimc_map_wire_map(aimc_ctx *ctx, const aimc_map_wire *g, aimc_gather_map *out);
/* The index map file of gather g in the arrays folder `dir`. */
void aimc_map_wire_file(const char *dir, const aimc_map_wire *g, char *buf, size_t len);
/* Writes every gather's index map into `dir` (atomically, each). */
int aimc_map_write_wiring_maps(aimc_ctx *ctx, const aimc_map_wiring *w, const char *dir);
/* The wiring's instances (`base`: the arrays folder as the netlist names
 * it), and the nets only the wiring has (a tile's rows and held words,
 * a register's output). */
void aimc_map_emit_wiring(FILE *o, const aimc_mapping *m, const aimc_map_wiring *w,
                          const char *base);
void aimc_map_emit_wiring_nets(FILE *o, const aimc_mapping *m, const aimc_map_wiring *w);
/* The wiring's endpoints on net `net`, written to o when o is not NULL
 * (comma-separated; lead: after a ", " too): *drivers and *readers count
 * them. */
void aimc_map_wire_ends(FILE *o, const aimc_map_wiring *w, const char *net, int lead,
                        int *drivers, int *readers);
/* Checks the netlist's wiring against the mapping's (aimc_map_load_netlist). */
int aimc_map_check_netlist_wiring(aimc_ctx *ctx, const struct aimc_design *d,
                                  const aimc_mapping *m);

/* Writes text as a YAML double-quoted scalar. */
void aimc_map_yaml_quote(FILE *o, const char *text);
/* Writes param p of block as a netlist value: strings quoted (paths may
 * hold any character), the rest as aimc_param_format gives them. */
void aimc_map_emit_param(FILE *o, const aimc_param *p, const void *block);

/* The `bits` a tile's converters get in the netlist: the arch's
 * resolution, or 0 (arch 0 or converters modelled exact): every channel at
 * its calibration, the model's quantizer of what it carries (aimc/model.h,
 * aimc_eval). */
static inline int aimc_map_converter_bits(const aimc_arch *a, int arch_bits) {
  return a->ni_converter ? arch_bits : 0;
}

#endif
