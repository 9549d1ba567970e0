/* aimc train: trains the hardware-aware S4D model of a config (sections
 * model, quant, noise, train, prune, data, output), with checkpoints, a CSV
 * log and a progress bar, then exports the weights the mapper reads; with
 * --eval, evaluates a checkpoint in float, quantized and noisy modes. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "aimc/config.h"
#include "aimc/data.h"
#include "aimc/fileio.h"
#include "aimc/progress.h"
#include "aimc/s4d_model.h"
#include "aimc/status.h"
#include "aimc/units.h"
#include "aimc/train.h"
#include "cli.h"

typedef struct {
  char dir[AIMC_PARAM_STRLEN];
} output_cfg;

static const aimc_param OUTPUT_PARAMS[] = {
    {"dir", AIMC_PT_STRING, offsetof(output_cfg, dir), 0, 0, 0, AIMC_U_NONE,
     "directory of checkpoint.ckpt, curves.csv, model.s4d, results.csv", NULL,
     NULL, "out/train"},
};

static void help(void) {
  printf(
      "usage: aimc train CONFIG [--out DIR] [--resume] [--force] [--epochs N]\n"
      "                  [--threads N] [--set SECTION.KEY=VALUE ...]\n"
      "       aimc train CONFIG --eval [CHECKPOINT] [--split train|val|test]\n"
      "                  [--sigma-list uS,uS,...] [--noise-seeds K]\n\n"
      "Trains the S4D classifier of CONFIG (YAML: model, quant, noise, train,\n"
      "prune, data, output sections; see docs/trainer.md and configs/train/)\n"
      "with quantization-aware training, then writes into the output dir:\n"
      "  checkpoint.ckpt  resumable state (every epoch / checkpoint_steps)\n"
      "  curves.csv       one row per epoch (loss, accuracy, grad norms, ...)\n"
      "  model.s4d        exported quantized weights (docs/weights-format.md)\n"
      "  results.csv      test accuracy in float, quantized and noisy modes\n"
      "                   (columns split, weights, epoch name what was used)\n"
      "An output dir holding a model.s4d is never overwritten without "
      "--force;\n"
      "--resume continues from its checkpoint (bit-identical to a run that\n"
      "was never interrupted). --set overrides one config value after the\n"
      "file is read (e.g. --set train.seed=2 --set augment.shift=3\n"
      "--set data.dir=/data/hd), checked like the file.\n\n"
      "The exported weights are those of the epoch train.select picks\n"
      "(default: lowest validation loss, ties to the later epoch); it is\n"
      "printed and written to results.csv.\n\n"
      "--eval evaluates the checkpoint (default: the output dir's) on the "
      "test\n"
      "split (--split: train, val or test; train without augmentation) in\n"
      "float, quantized-digital and noisy modes; --sigma-list gives\n"
      "programming-noise levels in uS (each over --noise-seeds chips).\n"
      "Rows name their weights: 'float' runs the latent weights with every\n"
      "quantizer off (for a QAT model that is NOT the exported model),\n"
      "'quantized' the exported weights, 'noisy' those plus programming noise.\n");
}

typedef struct {
  const char *config, *out, *eval_ckpt, *sigma_list;
  int resume, force, eval, epochs, threads, noise_seeds;
  int split; /* aimc_data_split evaluated (default test)             */
  const char *sets[32]; /* --set SECTION.KEY=VALUE, in order           */
  int n_sets;
} options;

static int parse_int(aimc_ctx *ctx, const char *opt, const char *v, int lo,
                     int *out) {
  char *end;
  long x = strtol(v, &end, 10);
  if (*end || end == v || x < lo || x > 1000000)
    return aimc_cli_usage(ctx, "train", "%s needs an integer >= %d, not '%s'",
                          opt, lo, v);
  *out = (int)x;
  return AIMC_OK;
}

static int parse_args(aimc_ctx *ctx, int argc, char **argv, options *o) {
  memset(o, 0, sizeof *o);
  o->noise_seeds = 5;
  o->split = AIMC_SPLIT_TEST;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    int more = i + 1 < argc;
    int st = AIMC_OK;
    if (strcmp(a, "--out") == 0 && more)
      o->out = argv[++i];
    else if (strcmp(a, "--resume") == 0)
      o->resume = 1;
    else if (strcmp(a, "--force") == 0)
      o->force = 1;
    else if (strcmp(a, "--eval") == 0) {
      o->eval = 1;
      if (more && argv[i + 1][0] != '-') o->eval_ckpt = argv[++i];
    } else if (strcmp(a, "--epochs") == 0 && more)
      st = parse_int(ctx, a, argv[++i], 1, &o->epochs);
    else if (strcmp(a, "--threads") == 0 && more)
      st = parse_int(ctx, a, argv[++i], 1, &o->threads);
    else if (strcmp(a, "--noise-seeds") == 0 && more)
      st = parse_int(ctx, a, argv[++i], 1, &o->noise_seeds);
    else if (strcmp(a, "--sigma-list") == 0 && more)
      o->sigma_list = argv[++i];
    else if (strcmp(a, "--set") == 0 && more) {
      if (o->n_sets == 32)
        return aimc_cli_usage(ctx, "train", "at most 32 --set options");
      o->sets[o->n_sets++] = argv[++i];
    } else if (strcmp(a, "--split") == 0 && more) {
      const char *v = argv[++i];
      if (!strcmp(v, "train"))
        o->split = AIMC_SPLIT_TRAIN;
      else if (!strcmp(v, "val"))
        o->split = AIMC_SPLIT_VAL;
      else if (!strcmp(v, "test"))
        o->split = AIMC_SPLIT_TEST;
      else
        return aimc_cli_usage(ctx, "train",
                              "--split takes train, val or test, not '%s'", v);
    }
    else if (a[0] == '-')
      return aimc_cli_usage(ctx, "train", "unknown option '%s'", a);
    else if (!o->config)
      o->config = a;
    else
      return aimc_cli_usage(ctx, "train", "unexpected argument '%s'", a);
    if (st) return st;
  }
  if (!o->config) return aimc_cli_usage(ctx, "train", "missing CONFIG");
  return AIMC_OK;
}

/* One split of the data set gathered into contiguous arrays. */
typedef struct {
  aimc_train_data d;
  float *x;
  int *y;
} split_data;

static int gather(aimc_ctx *ctx, const aimc_dataset *ds, aimc_data_split s,
                  split_data *out) {
  size_t n;
  const size_t *idx = aimc_dataset_split(ds, s, &n);
  size_t len = aimc_dataset_length(ds), f = aimc_dataset_n_features(ds);
  out->x = n ? aimc_malloc(ctx, n * len * f * sizeof(float)) : NULL;
  out->y = n ? aimc_malloc(ctx, n * sizeof(int)) : NULL;
  if (n && (!out->x || !out->y))
    return aimc_error(ctx, AIMC_ENOMEM, "out of memory gathering %zu samples",
                      n);
  if (n) aimc_dataset_gather(ds, idx, n, out->x, out->y, NULL);
  out->d = (aimc_train_data){(int)n, (int)len,
                             (int)f, (int)aimc_dataset_n_classes(ds),
                             out->x, out->y};
  return AIMC_OK;
}

static void path_in(char *buf, size_t len, const char *dir, const char *name) {
  snprintf(buf, len, "%s/%s", dir, name);
}

static int file_exists(const char *p) {
  struct stat sb;
  return stat(p, &sb) == 0;
}

/* Test accuracy in the three modes (noisy: mean and sd over seeds), as a
 * table on stdout and results.csv (atomically) when `csv` is given. */
static int evaluate_modes(aimc_ctx *ctx, aimc_trainer *tr,
                          const aimc_train_data *test, const char *split,
                          int epoch, const aimc_train_cfg *cfg,
                          const options *o, const char *csv) {
  const aimc_train_quant_cfg *q = &cfg->quant;
  int qat = q->bits_a || q->bits_b || q->bits_c || q->bits_d || q->bits_u ||
            q->bits_x || q->bits_y || q->bits_enc || q->bits_dec;
  /* What each row's weights are, in the table and in results.csv. */
  const char *wname[3] = {qat ? "latent" : "exported", "exported",
                          "exported+noise"};
  const char *wnote[2] = {
      qat ? "latent weights, quantizers off: not the exported model"
          : "the exported (float) weights",
      qat ? "the exported quantized weights" : "the exported weights"};
  double sig_default = cfg->noise.sigma_S * 1e6;
  double sigmas[64];
  int ns = 0;
  if (o->sigma_list) {
    char buf[512];
    snprintf(buf, sizeof buf, "%s", o->sigma_list);
    for (char *t = strtok(buf, ","); t && ns < 64; t = strtok(NULL, ",")) {
      const char *end = t; /* decimals only: nan or inf is no sigma */
      if (aimc_decimal_parse(t, &sigmas[ns], &end) || *end || sigmas[ns] < 0)
        return aimc_cli_usage(ctx, "train",
                              "--sigma-list: '%s' is not a sigma in uS", t);
      ns++;
    }
  } else if (sig_default > 0) {
    sigmas[ns++] = sig_default;
  }
  printf("evaluation on the %s split: %d samples\n", split, test->n);
  aimc_atomic_file *f = NULL;
  FILE *fp = NULL;
  if (csv) {
    int st = aimc_atomic_open(ctx, csv, &f);
    if (st) return st;
    fp = aimc_atomic_stream(f);
    fprintf(fp,
            "mode,sigma_uS,seeds,accuracy,accuracy_sd,loss,split,weights,"
            "epoch\n");
  }
  double acc, loss;
  const char *names[] = {"float", "quantized"};
  for (int m = 0; m < 2; m++) {
    int st = aimc_trainer_evaluate(tr, test, (aimc_eval_mode)m, 0, &acc, &loss);
    if (st) {
      aimc_atomic_abort(ctx, f);
      return st;
    }
    printf("%s %-10s accuracy %6.2f %%  loss %.4f  (%s)\n", split, names[m],
           100 * acc, loss, wnote[m]);
    if (fp)
      fprintf(fp, "%s,0,1,%.6f,0,%.6f,%s,%s,%d\n", names[m], acc, loss, split,
              wname[m], epoch);
  }
  aimc_train_noise_cfg saved = cfg->noise;
  for (int s = 0; s < ns; s++) {
    /* The trainer reads the noise section at deployment: set sigma. */
    aimc_train_cfg c = *cfg;
    c.noise.sigma_S = sigmas[s] * 1e-6;
    c.noise.sigma_rel = 0;
    double sum = 0, sum2 = 0, lsum = 0;
    for (int k = 0; k < o->noise_seeds; k++) {
      int st = aimc_trainer_set_noise(tr, &c.noise);
      if (!st)
        st = aimc_trainer_evaluate(tr, test, AIMC_EVAL_NOISY,
                                   aimc_seed_derive(4242, (uint64_t)k), &acc,
                                   &loss);
      if (st) {
        aimc_atomic_abort(ctx, f);
        return st;
      }
      sum += acc;
      sum2 += acc * acc;
      lsum += loss;
    }
    int K = o->noise_seeds;
    double mean = sum / K,
           sd = K > 1 ? sqrt(fmax(0, (sum2 - K * mean * mean) / (K - 1))) : 0;
    printf(
        "%s noisy      accuracy %6.2f %% +- %.2f sd, +- %.2f se (sigma %g uS, "
        "%d chips; exported weights + programming noise)\n",
        split, 100 * mean, 100 * sd, 100 * sd / sqrt(K), sigmas[s], K);
    if (fp)
      fprintf(fp, "noisy,%g,%d,%.6f,%.6f,%.6f,%s,%s,%d\n", sigmas[s], K, mean,
              sd, lsum / K, split, wname[2], epoch);
  }
  aimc_trainer_set_noise(tr, &saved);
  return f ? aimc_atomic_commit(ctx, f) : AIMC_OK;
}

static void print_counts(aimc_trainer *tr) {
  aimc_train_counts c;
  aimc_trainer_counts(tr, &c);
  printf(
      "parameters %ld (after pruning %ld); S4D MACs per step %ld (after "
      "pruning %ld)\n",
      c.params_total, c.params_kept, c.ssm_macs_total, c.ssm_macs_kept);
}

static int train_loop(aimc_ctx *ctx, aimc_trainer *tr,
                      const aimc_train_cfg *cfg) {
  aimc_progress p;
  aimc_train_stats s;
  char extra[160] = "";
  double t0 = aimc_wall_seconds();
  long samples = 0;
  int first = 1;
  while (!aimc_trainer_done(tr)) {
    int st = aimc_trainer_iterate(tr, &s);
    if (st) return st;
    if (first) {
      aimc_progress_start(&p, "train",
                          (uint64_t)s.steps_per_epoch * cfg->train.epochs);
      first = 0;
    }
    samples += cfg->train.batch;
    double rate = samples / fmax(1e-9, aimc_wall_seconds() - t0);
    if (s.epoch_done && !isnan(s.val_acc))
      snprintf(extra, sizeof extra,
               "ep %d loss %.3f acc %.1f%% val %.1f%% %.0f samples/s", s.epoch,
               s.loss, 100 * s.acc, 100 * s.val_acc, rate);
    else if (s.epoch_done || s.step % 10 == 0)
      snprintf(extra, sizeof extra, "ep %d loss %.3f acc %.1f%% %.0f samples/s",
               s.epoch, s.loss, 100 * s.acc, rate);
    aimc_progress_update(&p, (uint64_t)s.step, extra);
  }
  if (!first) aimc_progress_finish(&p, extra);
  if (s.nonfinite_skipped)
    aimc_log(ctx, AIMC_LOG_WARN, "%ld steps skipped for non-finite gradients",
             s.nonfinite_skipped);
  return AIMC_OK;
}

static int run(aimc_ctx *ctx, const options *o, const aimc_train_cfg *cfg_in,
               const aimc_data_spec *spec, const char *dir) {
  aimc_train_cfg cfg = *cfg_in;
  if (o->epochs) cfg.train.epochs = o->epochs;
  if (o->threads) cfg.train.threads = o->threads;
  char ckpt[4200], csv[4200], model[4200], results[4200];
  path_in(ckpt, sizeof ckpt, dir, "checkpoint.ckpt");
  path_in(csv, sizeof csv, dir, "curves.csv");
  path_in(model, sizeof model, dir, "model.s4d");
  path_in(results, sizeof results, dir, "results.csv");
  if (!o->eval && !o->resume && !o->force && file_exists(model))
    return aimc_error(
        ctx, AIMC_EINVAL,
        "%s exists: use --resume to continue, --force to retrain, "
        "or another --out",
        model);
  /* --resume without a checkpoint would silently train from scratch. */
  if (!o->eval && o->resume && !file_exists(ckpt))
    return aimc_error(ctx, AIMC_ENOTFOUND,
                      "--resume: no checkpoint %s to resume from (drop "
                      "--resume to train from scratch)",
                      ckpt);
  int st = aimc_output_check(ctx, dir, 1);
  if (st) return st;
  aimc_dataset *ds = NULL;
  split_data sp[AIMC_SPLIT_COUNT];
  memset(sp, 0, sizeof sp);
  aimc_trainer *tr = NULL;
  st = aimc_dataset_load(ctx, spec, &ds);
  for (int s = 0; !st && s < AIMC_SPLIT_COUNT; s++)
    st = gather(ctx, ds, (aimc_data_split)s, &sp[s]);
  if (!st && sp[AIMC_SPLIT_TRAIN].d.n == 0)
    st = aimc_error(ctx, AIMC_EINVAL, "the training split is empty");
  if (!st) {
    aimc_log(ctx, AIMC_LOG_INFO,
             "data: %d train, %d val, %d test samples of %d x %d, %d classes",
             sp[0].d.n, sp[1].d.n, sp[2].d.n, sp[0].d.len, sp[0].d.n_in,
             sp[0].d.n_classes);
    st = aimc_mkdirs(ctx, dir);
  }
  /* model.s4d is written last and marks a finished training: a retraining
   * (--force) first drops the old one and its results, so a kill cannot
   * leave the old model beside the new checkpoint and curves. */
  if (!st && !o->eval && !o->resume && o->force) {
    if ((remove(model) != 0 && errno != ENOENT) || (remove(results) != 0 && errno != ENOENT))
      st = aimc_error(ctx, AIMC_EIO, "cannot remove the old %s or %s: %s", model,
                      results, strerror(errno));
  }
  if (!st)
    st = aimc_trainer_alloc(ctx, &cfg, &sp[0].d, sp[1].d.n ? &sp[1].d : NULL,
                            o->eval ? NULL : ckpt, o->eval ? NULL : csv, &tr);
  if (!st && (o->eval || o->resume))
    st = aimc_trainer_resume(tr, o->eval && o->eval_ckpt ? o->eval_ckpt : ckpt);
  if (!st && !o->eval) st = train_loop(ctx, tr, &cfg);
  static const char *const SPLIT_NAMES[] = {"train", "val", "test"};
  int es = o->split;
  /* Without a test split the trainer's own evaluation falls back to val. */
  if (!o->eval && es == AIMC_SPLIT_TEST && !sp[2].d.n) es = AIMC_SPLIT_VAL;
  const aimc_train_data *test = &sp[es].d;
  if (!st && test->n == 0)
    st = aimc_error(ctx, AIMC_EINVAL, "the %s split has no samples",
                    SPLIT_NAMES[es]);
  if (!st) {
    int epoch = aimc_trainer_use_best(tr);
    double vl, va;
    int sel = aimc_trainer_selected(tr, &vl, &va);
    static const char *const CRIT[] = {"lowest validation loss",
                                       "highest validation accuracy",
                                       "last epoch"};
    if (sel >= 0)
      printf("weights of epoch %d of 0-%d, as numbered in curves.csv (%s; "
             "val loss %.4f, val accuracy %.2f %%)\n",
             sel, cfg.train.epochs - 1, CRIT[cfg.train.select], vl, 100 * va);
    else
      printf("weights of the last epoch run, %d of 0-%d (no validation "
             "split or no QAT epoch to select from)\n",
             epoch, cfg.train.epochs - 1);
    print_counts(tr);
    st = evaluate_modes(ctx, tr, test, SPLIT_NAMES[es], epoch, &cfg, o,
                        o->eval ? NULL : results);
  }
  if (!st && !o->eval) {
    aimc_s4d_model *m;
    st = aimc_trainer_export(tr, &m);
    /* The model remembers its data (spec, corpus fingerprint, length), so
     * runs need not repeat the spec and notice another corpus. */
    if (!st)
      st = aimc_s4d_model_set_data(ctx, m, spec, (size_t)sp[0].d.len);
    if (!st) st = aimc_s4d_model_write(ctx, m, model);
    aimc_s4d_model_free(ctx, m);
    if (!st) printf("wrote %s, %s, %s\n", model, csv, results);
  }
  aimc_trainer_free(tr);
  for (int s = 0; s < AIMC_SPLIT_COUNT; s++) {
    aimc_free(ctx, sp[s].x);
    aimc_free(ctx, sp[s].y);
  }
  aimc_dataset_free(ctx, ds);
  return st;
}

/* Applies one --set SECTION.KEY=VALUE to the bound sections. */
static int apply_set(aimc_ctx *ctx, const char *set, aimc_train_cfg *tc,
                     aimc_data_spec *spec, output_cfg *out) {
  const char *dot = strchr(set, '.'), *eq = strchr(set, '=');
  if (!dot || !eq || eq < dot)
    return aimc_cli_usage(ctx, "train", "--set takes SECTION.KEY=VALUE, not '%s'",
                          set);
  char sec[32], key[64];
  snprintf(sec, sizeof sec, "%.*s", (int)(dot - set), set);
  snprintf(key, sizeof key, "%.*s", (int)(eq - dot - 1), dot + 1);
  size_t nd;
  const aimc_param *dt = aimc_data_params(&nd);
  const struct {
    const char *name;
    const aimc_param *t;
    size_t n;
    void *obj;
  } S[] = {
      {"model", aimc_train_model_params, aimc_train_model_nparams, &tc->model},
      {"quant", aimc_train_quant_params, aimc_train_quant_nparams, &tc->quant},
      {"noise", aimc_train_noise_params, aimc_train_noise_nparams, &tc->noise},
      {"train", aimc_train_opt_params, aimc_train_opt_nparams, &tc->train},
      {"prune", aimc_train_prune_params, aimc_train_prune_nparams, &tc->prune},
      {"augment", aimc_train_augment_params, aimc_train_augment_nparams,
       &tc->augment},
      {"data", dt, nd, spec},
      {"output", OUTPUT_PARAMS, 1, out},
  };
  for (size_t i = 0; i < sizeof S / sizeof *S; i++) {
    if (strcmp(S[i].name, sec)) continue;
    const aimc_param *p = aimc_params_find(S[i].t, S[i].n, key);
    if (!p)
      return aimc_cli_usage(ctx, "train", "--set %s: no key '%s' in %s:", set,
                            key, sec);
    char err[256];
    int rc = aimc_param_set(p, S[i].obj, eq + 1, err, sizeof err);
    return rc ? aimc_error(ctx, rc, "--set %s: %s", set, err) : AIMC_OK;
  }
  return aimc_cli_usage(ctx, "train", "--set %s: no section '%s'", set, sec);
}

int aimc_cmd_train(aimc_ctx *ctx, int argc, char **argv) {
  if (aimc_cli_wants_help(argc, argv)) {
    help();
    return AIMC_OK;
  }
  options o;
  int st = parse_args(ctx, argc, argv, &o);
  if (st) return st;
  aimc_cfg *cfg = NULL;
  st = aimc_cfg_load(ctx, o.config, &cfg);
  if (st) return st;
  const aimc_cfg_node *root = aimc_cfg_root(cfg);
  aimc_train_cfg tc;
  aimc_train_cfg_defaults(&tc);
  static const char *const IGNORE[] = {"data", "output", NULL};
  st = aimc_train_cfg_bind(ctx, root, &tc, IGNORE);
  size_t nd;
  const aimc_param *dt = aimc_data_params(&nd);
  aimc_data_spec spec;
  aimc_params_defaults(dt, nd, &spec);
  output_cfg out;
  aimc_params_defaults(OUTPUT_PARAMS, 1, &out);
  const aimc_cfg_node *n;
  if (!st && (n = aimc_cfg_get(root, "data")))
    st = aimc_cfg_bind(ctx, n, dt, nd, &spec, "data", NULL);
  if (!st && (n = aimc_cfg_get(root, "output")))
    st = aimc_cfg_bind(ctx, n, OUTPUT_PARAMS, 1, &out, "output", NULL);
  for (int i = 0; !st && i < o.n_sets; i++)
    st = apply_set(ctx, o.sets[i], &tc, &spec, &out);
  if (!st && o.n_sets) st = aimc_train_cfg_check(ctx, &tc);
  if (!st) st = run(ctx, &o, &tc, &spec, o.out ? o.out : out.dir);
  aimc_cfg_free(cfg);
  return st;
}
