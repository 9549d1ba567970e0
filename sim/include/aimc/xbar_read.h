/* The crossbar's batched read of one placed rectangle: column sums of the
 * programmed weights with read noise, at a cost set by the devices that
 * hold model values, not by the whole rectangle.
 *
 * A block of a mapped matrix holds structural zeros beside its values (in
 * the IMSSA single-array form a (2M+2) x (2M+1) block has 8M + 1 values).
 * Their device pairs sit at g_min: what they add to column j is, to first
 * order in the wire resistance, c_j * sum_i s_i x_i with s_i the row's
 * gain, and their read-noise variance cv_j * sum_i s_i^2 x_i^2. The plan
 * keeps every pair holding a value (or deviating from that closed form:
 * stuck cells, programming noise, a second-order IR drop above 1e-10 of
 * the column's largest weight) as an explicit entry with its weight minus
 * the closed form, and adds the closed form once per column from two sums
 * over the rows. Where the structural weights are exactly 0 (no IR drop)
 * c_j is 0 and the read adds exactly the products a dense read adds, rows
 * in pairs (w0 x0 + w1 x1), so ideal hardware stays bit-identical to the
 * reference forward. */
#ifndef AIMC_XBAR_READ_H
#define AIMC_XBAR_READ_H

#include <stddef.h>

#include "aimc/context.h"
#include "aimc/lanes.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a plan is built from: the rectangle's effective weights (column j
 * at w + j * ld, n_in rows), their read-noise variance factors (same
 * layout, NULL: no read noise), which entries hold model values (same
 * layout, NULL: all of them) and each row's gain. */
typedef struct {
  int n_in, n_out;
  size_t ld;
  const double *w;
  const float *nv;
  const unsigned char *is_value;
  const double *row_gain;
} aimc_xbar_read_src;

typedef struct aimc_xbar_plan aimc_xbar_plan;

int aimc_xbar_plan_build(aimc_ctx *ctx, const aimc_xbar_read_src *src, aimc_xbar_plan **out);
void aimc_xbar_plan_free(aimc_ctx *ctx, aimc_xbar_plan *p);

/* Explicit row pairs the read visits, and the pairs of a dense read. */
size_t aimc_xbar_plan_pairs(const aimc_xbar_plan *p);
size_t aimc_xbar_plan_dense_pairs(const aimc_xbar_plan *p);

/* Doubles of scratch aimc_xbar_read needs for a stride. */
size_t aimc_xbar_read_scratch(const aimc_xbar_plan *p, size_t stride);

/* 1 when the plan reads with noise (some device has a variance factor). */
int aimc_xbar_plan_noisy(const aimc_xbar_plan *p);

/* out[j * stride + k] = sum_i w_ji x[i * stride + k] for lane k < l->n,
 * plus the read noise when the plan is noisy and rel_noise > 0: a
 * Gaussian of variance rel_noise^2 times the column's variance. It is
 * drawn here (one standard normal deviate of lane k's stream per column,
 * columns in order) when var_out is NULL; else its variance is written to
 * var_out (out's layout) for the next stage to draw (aimc_eval.in_var).
 * stride is 1 or a multiple of AIMC_LANES. */
void aimc_xbar_read(const aimc_xbar_plan *p, const double *x, double rel_noise, double *out,
                    double *var_out, const aimc_lanes *l, double *scratch);

/* Several plans of one shape read side by side, one lane each (lane a:
 * plan a): for one sequence that reads many arrays of one layer per step,
 * the arrays' reads vectorized across the arrays. Lane a gets exactly,
 * bit for bit, what aimc_xbar_read of plan a alone gives with stride 1
 * and stream rng[a], for finite inputs: the read visits the union of the
 * plans' explicit pairs, a pair a plan lacks with zero weights (which add
 * +-0 to a sum that is never -0). */
typedef struct aimc_xbar_across aimc_xbar_across;

/* n plans of one shape (same n_in, n_out), all noisy or all not
 * (aimc_xbar_plan_noisy: a lane that does not draw would break the shared
 * draw; read such plans one by one); else AIMC_EINVAL, nothing built. The
 * plans are copied: they may be freed afterwards. */
int aimc_xbar_across_build(aimc_ctx *ctx, const aimc_xbar_plan *const *plans, int n,
                           aimc_xbar_across **out);
void aimc_xbar_across_free(aimc_ctx *ctx, aimc_xbar_across *x);

/* The union's explicit pairs (each read for all n lanes). */
size_t aimc_xbar_across_pairs(const aimc_xbar_across *x);

/* Doubles of scratch aimc_xbar_read_across needs. */
size_t aimc_xbar_across_scratch(const aimc_xbar_across *x);

/* in: n_in inputs per lane, row i of lane a at in[i * n + a]; out (and
 * var_out, or NULL): column j of lane a at [j * n + a]. The noise as
 * aimc_xbar_read: drawn here, one deviate of rng[a] per column, when
 * var_out is NULL (bits, z: n words, n doubles of scratch), else its
 * variance written to var_out; neither when the plans are not noisy or
 * rel_noise is not > 0. */
void aimc_xbar_read_across(const aimc_xbar_across *x, const double *in, double rel_noise,
                           double *out, double *var_out, aimc_xs128p *rng, uint64_t *bits,
                           double *z, double *scratch);

#ifdef __cplusplus
}
#endif
#endif
