/* Trainer speed: one AdamW step (forward + backward + update) of a one-layer
 * S4D network at H = 64, N = 64 (32 complex modes), sequence length 1000,
 * batch 32, on 1 and 2 threads; and the same network with the SSM switched
 * off, so the difference is the S4D layer's own cost. The reference point
 * (issue #7): PyTorch's S4D layer took ~79 ms for this step in convolution
 * mode on 2 threads. Prints figures; never fails on timing. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "aimc/progress.h"
#include "aimc/train.h"

enum { LEN = 1000, N_IN = 64, BATCH = 32, CLASSES = 10 };

static double time_step(aimc_ctx *ctx, const aimc_train_data *d, int threads,
                        int use_ssm, int steps) {
  aimc_train_cfg c;
  aimc_train_cfg_defaults(&c);
  c.model.h = 64;
  c.model.n = 64;
  c.model.layers = 1;
  c.model.use_ssm = use_ssm;
  c.model.mix = 0;
  c.train.batch = BATCH;
  c.train.threads = threads;
  c.train.epochs = 1;
  aimc_trainer *tr;
  if (aimc_trainer_alloc(ctx, &c, d, NULL, NULL, NULL, &tr)) {
    fprintf(stderr, "bench_trainer: %s\n", aimc_ctx_errmsg(ctx));
    exit(1);
  }
  aimc_train_stats s;
  aimc_trainer_iterate(tr, &s); /* warm-up */
  /* The fastest of `steps` steps: the machine is shared, and the minimum
   * is the least disturbed figure. */
  double dt = INFINITY;
  for (int i = 0; i < steps; i++) {
    double t0 = aimc_wall_seconds();
    aimc_trainer_iterate(tr, &s);
    dt = fmin(dt, aimc_wall_seconds() - t0);
  }
  aimc_trainer_free(tr);
  return dt;
}

int main(void) {
  aimc_ctx *ctx = aimc_ctx_alloc(1);
  int n = BATCH * 8;
  float *x = malloc(sizeof(float) * n * LEN * N_IN);
  int *y = malloc(sizeof(int) * n);
  for (long i = 0; i < (long)n * LEN * N_IN; i++)
    x[i] = (float)sin(0.001 * i * i);
  for (int i = 0; i < n; i++) y[i] = i % CLASSES;
  aimc_train_data d = {n, LEN, N_IN, CLASSES, x, y};
  printf(
      "S4D trainer step: H=64, N=64, L=%d, batch %d (forward + backward + "
      "AdamW)\n",
      LEN, BATCH);
  for (int threads = 1; threads <= 2; threads++) {
    double full = time_step(ctx, &d, threads, 1, 3),
           dense = time_step(ctx, &d, threads, 0, 3);
    printf(
        "  %d thread%s: full step %7.1f ms (%6.0f samples/s); without SSM "
        "%6.1f ms; "
        "S4D layer share %6.1f ms\n",
        threads, threads > 1 ? "s" : " ", 1e3 * full, BATCH / full, 1e3 * dense,
        1e3 * (full - dense));
  }
  printf(
      "  reference: PyTorch S4D layer (conv mode, 2 threads) ~79 ms per "
      "step\n");
  free(x);
  free(y);
  aimc_ctx_free(ctx);
  return 0;
}
