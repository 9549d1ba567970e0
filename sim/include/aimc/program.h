/* Programming controllers for memristive devices (aimc/device.h).
 *
 * Write-verify (init / iterate / test, GSL style): read, compare with the
 * target, apply one pulse of the schedule, repeat until the read is within
 * the tolerance or the pulse budget is spent. A guard band (accepting
 * reads within guard * tol, guard < 1) keeps read noise from accepting
 * devices whose true conductance lies outside the tolerance. The schedule is
 * incremental step pulse programming (ISPP): the amplitude starts at the
 * device's smallest SET/RESET amplitude and grows by v_step on every pulse in
 * the same direction, restarting after a direction change ("amplitude"); or the
 * width doubles instead at the smallest amplitude ("width").
 *
 * One-shot predictive programming (after arXiv 2403.06712): an inverse
 * model maps (current G, target G) to one pulse. Ours is a fitted
 * parametric forward model ln|dG| = f(G, V) per polarity (least squares
 * over simulated pulse-response data of the chosen device, including its
 * c2c/d2d variation), inverted by bisection in V: nine basis functions fit
 * the map in milliseconds, deterministically. The paper's own method, an
 * MLP inverse, is aimc/program_nn.h; docs/models/programming.md measures
 * both.
 *
 * Everything here is allocation-free except aimc_oneshot_fit. */
#ifndef AIMC_PROGRAM_H
#define AIMC_PROGRAM_H

#include <gsl/gsl_rng.h>

#include "aimc/context.h"
#include "aimc/device.h"
#include "aimc/param.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { AIMC_WV_AMPLITUDE = 0, AIMC_WV_WIDTH = 1 } aimc_wv_schedule;

/* Write-verify settings; the table below binds them from YAML. */
typedef struct {
  double tol_S;    /* required |G - target| at the end            */
  double guard;    /* verify accepts |G_read - target| <= guard*tol */
  int max_pulses;  /* pulse budget per device                     */
  int n_reads;     /* reads averaged per verify                   */
  double v_step_V; /* ISPP amplitude increment                    */
  int schedule;    /* aimc_wv_schedule                            */
} aimc_wv_params;

extern const aimc_param aimc_wv_param_table[];
extern const size_t aimc_wv_n_params;
/* Fills p with the table's defaults. */
void aimc_wv_defaults(aimc_wv_params *p);

/* Outcome of programming one device. */
typedef struct {
  int converged; /* 1 if the verify accepted the device            */
  int pulses;    /* pulses applied                                 */
  int reads;     /* reads (each verify makes n_reads of them)      */
  double e_J;    /* pulse + read energy                            */
  double t_s;    /* pulse + read time                              */
  double g_S;    /* true (noiseless) conductance at the end        */
  double err_S;  /* g_S - target                                   */
} aimc_prog_result;

/* A write-verify run on one cell (caller-owned, no allocation). */
typedef struct {
  const aimc_device *dev;
  void *cell;
  double target_S;
  aimc_wv_params p;
  aimc_pulse_limits lim;
  int last_dir; /* +1 SET, -1 RESET, 0 none yet */
  int streak;   /* pulses in the current direction */
  int done;
  aimc_prog_result res;
} aimc_wv;

/* Starts a run: cell (borrowed) to target_S. cell may be NULL for
 * controllers that only use aimc_wv_decide. */
void aimc_wv_init(aimc_wv *w, const aimc_device *dev, const aimc_wv_params *p,
                  void *cell, double target_S);
/* One verify read and, unless it is within tolerance or the budget is
 * spent, one pulse. rng draws read and c2c noise (NULL: noiseless). */
void aimc_wv_iterate(aimc_wv *w, gsl_rng *rng);
/* The decision step alone, for controllers that read and pulse through
 * other means (the write_verify event model): given a verify reading,
 * returns 1 and the next pulse (signed amplitude, width) to apply, or 0
 * when done (converged or out of pulses). Counts the pulse, not its
 * energy. */
int aimc_wv_decide(aimc_wv *w, double g_read_S, double *v_V, double *width_s);
/* 1 while the run should continue, 0 when done. */
int aimc_wv_test(const aimc_wv *w);
/* init + iterate until done; *res gets the outcome. */
void aimc_wv_program(const aimc_device *dev, const aimc_wv_params *p,
                     void *cell, double target_S, gsl_rng *rng,
                     aimc_prog_result *res);

/* The fitted inverse model of one device card. */
typedef struct aimc_oneshot aimc_oneshot;

/* Fits the inverse from n_samples simulated pulses per polarity (fresh
 * cells with d2d variation drawn from rng, random start states and
 * amplitudes, c2c noise on). n_samples >= 100. */
int aimc_oneshot_fit(aimc_ctx *ctx, const aimc_device *dev, int n_samples,
                     gsl_rng *rng, aimc_oneshot **out);
void aimc_oneshot_free(aimc_ctx *ctx, aimc_oneshot *o);
/* The signed amplitude (V) predicted to move g_now_S to g_target_S with
 * one pulse of the device's nominal width; 0 when no pulse is needed
 * (|target - now| <= tol_S). Clamped to the device's amplitude limits. */
double aimc_oneshot_voltage(const aimc_oneshot *o, double g_now_S,
                            double g_target_S, double tol_S);
/* One read, then at most one pulse. res->err_S is the residual. */
void aimc_oneshot_program(const aimc_oneshot *o, void *cell, double target_S,
                          double tol_S, gsl_rng *rng, aimc_prog_result *res);
/* Root-mean-square error of the fitted forward model (in ln units) per
 * polarity: [0] SET, [1] RESET. */
void aimc_oneshot_fit_rms(const aimc_oneshot *o, double rms[2]);

#ifdef __cplusplus
}
#endif
#endif
