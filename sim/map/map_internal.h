/* Internal pieces of the mapper shared between its files. */
#ifndef AIMC_MAP_INTERNAL_H
#define AIMC_MAP_INTERNAL_H

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
 * instance (`targets`: the path its crossbar reads; `cal`: its converters'
 * calibration file). */
void aimc_map_emit_tile_subckt(FILE *o, const aimc_mapping *m);
void aimc_map_emit_tile_params(FILE *o, const aimc_mapping *m, size_t k, const char *targets,
                               const char *cal);

/* The digital periphery of the model (periph.c): built from the model's
 * shape and the arch, written into the netlist as instances and the nets
 * between them. */
int aimc_map_build_periph(aimc_ctx *ctx, aimc_mapping *m, const aimc_s4d_model *mdl);
void aimc_map_emit_periph(FILE *o, const aimc_mapping *m, const char *model);
void aimc_map_emit_periph_nets(FILE *o, const aimc_mapping *m);
/* The arch values of an s4d_digital instance's params (tile.c, the one
 * arch -> param table): energy.e_mac -> e_mac and e_op, timing.t_digital
 * -> t_op. */
int aimc_map_periph_from_arch(aimc_ctx *ctx, const aimc_arch *a, void *params);
/* The netlist's values (net) of those params over block where hand
 * edited and no override of sets names their arch key. */
void aimc_map_periph_merge(void *block, const void *net, const char *const *sets, int n_sets);

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
