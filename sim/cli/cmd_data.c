/* aimc data: generate the spoken-digit set (digits), and look at a data set
 * (stats, show, baseline). Data-set options are the rows of the data
 * parameter table (aimc_data_params), given as --key value. */
#define _POSIX_C_SOURCE 200809L /* access */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aimc/data.h"
#include "aimc/progress.h"
#include "aimc/status.h"
#include "aimc/units.h"
#include "cli.h"

static void print_spec_options(void) {
  size_t n;
  const aimc_param *t = aimc_data_params(&n);
  aimc_data_spec spec;
  aimc_params_defaults(t, n, &spec);
  printf("data-set options (as in a config's data: section):\n");
  for (size_t i = 0; i < n; i++) {
    char def[64];
    aimc_param_format(&t[i], &spec, def, sizeof def);
    printf("  --%-14s %s (default %s)\n", t[i].key, t[i].doc,
           *def ? def : "\"\"");
  }
}

static void help(void) {
  printf(
      "usage: aimc data digits [--out DIR] [--speakers N] [--test-speakers N]\n"
      "                        [--trials N] [--snr MIN:MAX | --no-noise]\n"
      "                        [--reverb P] [--rt60 MIN:MAX] [--if-missing]\n"
      "       aimc data stats    [data-set options]\n"
      "       aimc data show     [data-set options] [--index I | --name FILE]\n"
      "                          [--split train|val|test] [--scale S] --out "
      "PNG\n"
      "       aimc data baseline [data-set options] [--segments K]\n\n"
      "digits    synthesizes English and German spoken digits with espeak-ng\n"
      "          in the Heidelberg Digits layout (default --out data/digits,\n"
      "          or $AIMC_DATA/digits; 48 speakers of which 12 held out for\n"
      "          test, 4 trials: 3840 files; the global --seed picks them):\n"
      "          every espeak-ng variant, per-utterance pitch, pitch range,\n"
      "          speed and level; a share P (default 0.75) of the utterances\n"
      "          in a synthetic room (RT60 default 0.1:0.8 s, --reverb 0\n"
      "          for none); white, pink or brown noise at an SNR drawn in\n"
      "          --snr (default 0:30 dB).\n"
      "          An existing set is never overwritten (exit 2), or left as\n"
      "          it is with --if-missing (exit 0).\n"
      "stats     prints class counts per split, the sequence-length\n"
      "          histogram and per-feature ranges.\n"
      "show      renders one sample's features as a PNG spectrogram.\n"
      "baseline  nearest class mean on features averaged over K equal time\n"
      "          segments (default 1): a floor for trained models; accuracy\n"
      "          on validation and test.\n\n");
  print_spec_options();
}

/* Parses "--key value" pairs of the data table into spec; any other option
 * is handed to `extra` (returns 1 if it consumed it, 0 if unknown). */
typedef int (*extra_fn)(void *user, const char *key, const char *value);

static int parse_spec(aimc_ctx *ctx, const char *cmd, int argc, char **argv,
                      aimc_data_spec *spec, extra_fn extra, void *user) {
  size_t n;
  const aimc_param *t = aimc_data_params(&n);
  aimc_params_defaults(t, n, spec);
  for (int i = 2; i < argc; i++) {
    if (strncmp(argv[i], "--", 2) != 0)
      return aimc_cli_usage(ctx, cmd, "unexpected argument '%s'", argv[i]);
    char key[64];
    snprintf(key, sizeof key, "%s", argv[i] + 2);
    const char *value = NULL;
    char *eq = strchr(key, '=');
    if (eq) {
      *eq = '\0';
      value = strchr(argv[i], '=') + 1;
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return aimc_cli_usage(ctx, cmd, "option --%s needs a value", key);
    }
    for (char *c = key; *c; c++)
      if (*c == '-') *c = '_';
    const aimc_param *p = aimc_params_find(t, n, key);
    if (p) {
      char err[256];
      if (aimc_param_set(p, spec, value, err, sizeof err))
        return aimc_error(ctx, AIMC_EINVAL, "%s: --%s: %s", cmd, key, err);
    } else if (!extra || !extra(user, key, value)) {
      return aimc_cli_usage(ctx, cmd, "unknown option --%s", key);
    }
  }
  return AIMC_OK;
}

/* ---- digits ---- */

static void on_progress(void *user, size_t done, size_t total) {
  (void)total;
  if (done % 20 == 0 || done == total) aimc_progress_update(user, done, NULL);
}

static int cmd_digits(aimc_ctx *ctx, int argc, char **argv) {
  aimc_digits_gen g;
  aimc_digits_gen_defaults(&g);
  aimc_data_spec spec = {.task = AIMC_TASK_DIGITS20};
  int if_missing = 0;
  char out[AIMC_PARAM_STRLEN];
  aimc_data_default_dir(&spec, out, sizeof out);
  for (int i = 2; i < argc; i++) {
    const char *o = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    int *target = strcmp(o, "--speakers") == 0        ? &g.n_speakers
                  : strcmp(o, "--test-speakers") == 0 ? &g.n_test_speakers
                  : strcmp(o, "--trials") == 0        ? &g.n_trials
                                                      : NULL;
    if (strcmp(o, "--no-noise") == 0) {
      g.snr_dB_min = 1;
      g.snr_dB_max = 0;
      continue;
    }
    if (strcmp(o, "--if-missing") == 0) {
      if_missing = 1;
      continue;
    }
    if (!v)
      return aimc_cli_usage(ctx, "data digits",
                            "unknown or incomplete "
                            "option '%s'",
                            o);
    char *end;
    i++;
    if (target) {
      long x = strtol(v, &end, 10);
      if (*end || end == v)
        return aimc_cli_usage(ctx, "data digits",
                              "%s takes an integer, not "
                              "'%s'",
                              o, v);
      *target = (int)x;
    } else if (strcmp(o, "--out") == 0) {
      snprintf(out, sizeof out, "%s", v);
    } else if (strcmp(o, "--reverb") == 0) {
      g.reverb = strtod(v, &end);
      if (*end || end == v || !(g.reverb >= 0 && g.reverb <= 1))
        return aimc_cli_usage(ctx, "data digits",
                              "--reverb takes a share in [0, 1], not '%s'", v);
    } else if (strcmp(o, "--rt60") == 0) {
      if (sscanf(v, "%lf:%lf", &g.rt60_s_min, &g.rt60_s_max) != 2 ||
          !(g.rt60_s_min > 0) || g.rt60_s_min > g.rt60_s_max ||
          g.rt60_s_max > 5)
        return aimc_cli_usage(ctx, "data digits",
                              "--rt60 takes MIN:MAX in seconds with 0 < MIN "
                              "<= MAX <= 5, not '%s'",
                              v);
    } else if (strcmp(o, "--snr") == 0) {
      const char *colon = NULL, *stop = NULL; /* decimals only: no nan, inf */
      if (aimc_decimal_parse(v, &g.snr_dB_min, &colon) || *colon != ':' ||
          aimc_decimal_parse(colon + 1, &g.snr_dB_max, &stop) || *stop ||
          g.snr_dB_min > g.snr_dB_max)
        return aimc_cli_usage(ctx, "data digits",
                              "--snr takes MIN:MAX in dB "
                              "with MIN <= MAX, not '%s'",
                              v);
    } else {
      return aimc_cli_usage(ctx, "data digits", "unknown option '%s'", o);
    }
  }
  char list[AIMC_PARAM_STRLEN + 32];
  snprintf(list, sizeof list, "%s/train_filenames.txt", out);
  if (if_missing && access(list, F_OK) == 0) {
    printf("%s already holds a data set; nothing to do\n", out);
    if (!aimc_digits_tree_is_current(out))
      aimc_log(ctx, AIMC_LOG_WARN,
               "data digits: %s was made by an earlier generator (no '%s' in "
               "%s/generator.txt); it is kept as it is: remove it to make "
               "the current corpus",
               out, AIMC_DIGITS_GEN_TAG, out);
    return AIMC_OK;
  }
  aimc_progress bar;
  size_t total = (size_t)(g.n_speakers > 0 ? g.n_speakers : 0) * 20 *
                 (size_t)(g.n_trials > 0 ? g.n_trials : 0);
  aimc_progress_start(&bar, "digits", total);
  double t0 = aimc_wall_seconds();
  int st = aimc_digits_generate(ctx, out, &g, on_progress, &bar);
  aimc_progress_finish(&bar, NULL);
  if (st) return st;
  printf(
      "wrote %zu utterances (%d speakers, %d held out for test) to %s in "
      "%.1f s\n",
      total, g.n_speakers, g.n_test_speakers, out, aimc_wall_seconds() - t0);
  return AIMC_OK;
}

/* ---- stats ---- */

static const char *const SPLIT_NAMES[AIMC_SPLIT_COUNT] = {"train", "val",
                                                          "test"};

static int load(aimc_ctx *ctx, const aimc_data_spec *spec, aimc_dataset **ds) {
  double t0 = aimc_wall_seconds();
  int st = aimc_dataset_load(ctx, spec, ds);
  if (st == AIMC_OK)
    aimc_log(ctx, AIMC_LOG_INFO, "data: loaded %zu samples in %.2f s",
             aimc_dataset_size(*ds), aimc_wall_seconds() - t0);
  return st;
}

static void print_stats(const aimc_dataset *ds) {
  size_t L = aimc_dataset_length(ds), F = aimc_dataset_n_features(ds);
  size_t K = aimc_dataset_n_classes(ds);
  printf("samples %zu, length %zu steps, %zu features, %zu classes\n\n",
         aimc_dataset_size(ds), L, F, K);
  printf("%-14s %8s %8s %8s\n", "class", "train", "val", "test");
  for (size_t c = 0; c < K; c++) {
    printf("%-14s", aimc_dataset_class_name(ds, c));
    for (int s = 0; s < AIMC_SPLIT_COUNT; s++) {
      size_t n, count = 0;
      const size_t *idx = aimc_dataset_split(ds, (aimc_data_split)s, &n);
      for (size_t j = 0; j < n; j++)
        count += aimc_dataset_label(ds, idx[j]) == (int)c;
      printf(" %8zu", count);
    }
    printf("\n");
  }
  if (aimc_dataset_speaker(ds, 0) >= 0) { /* data with speakers */
    printf("%-14s", "(speakers)");
    for (int s = 0; s < AIMC_SPLIT_COUNT; s++)
      printf(" %8zu", aimc_dataset_split_speakers(ds, (aimc_data_split)s));
    printf("\n");
  }
  /* Valid-step histogram in 10 bins over [0, L]. */
  size_t hist[10] = {0}, total = aimc_dataset_size(ds);
  for (size_t i = 0; i < total; i++) {
    size_t b = aimc_dataset_valid_steps(ds, i) * 10 / (L + 1);
    hist[b]++;
  }
  printf("\nsequence length (valid steps) histogram:\n");
  for (int b = 0; b < 10; b++) {
    size_t lo = (size_t)b * (L + 1) / 10, hi = (size_t)(b + 1) * (L + 1) / 10;
    printf("  %5zu-%-5zu %7zu ", lo, hi > 0 ? hi - 1 : 0, hist[b]);
    for (size_t k = 0; k < 50 * hist[b] / (total ? total : 1); k++)
      putchar('#');
    putchar('\n');
  }
}

/* Per-feature raw ranges over the training split (min, max) and the
 * normalisation (mean, std). */
static int print_ranges(aimc_ctx *ctx, const aimc_dataset *ds) {
  size_t L = aimc_dataset_length(ds), F = aimc_dataset_n_features(ds), n;
  const size_t *idx = aimc_dataset_split(ds, AIMC_SPLIT_TRAIN, &n);
  const float *mean = aimc_dataset_feature_mean(ds);
  const float *sd = aimc_dataset_feature_std(ds);
  float *x = aimc_malloc(ctx, L * F * sizeof *x);
  double *lo = aimc_malloc(ctx, F * sizeof *lo);
  double *hi = aimc_malloc(ctx, F * sizeof *hi);
  if (!x || !lo || !hi) {
    aimc_free(ctx, x);
    aimc_free(ctx, lo);
    aimc_free(ctx, hi);
    return aimc_error(ctx, AIMC_ENOMEM, "out of memory");
  }
  for (size_t f = 0; f < F; f++) {
    lo[f] = INFINITY;
    hi[f] = -INFINITY;
  }
  for (size_t j = 0; j < n; j++) {
    aimc_dataset_get(ds, idx[j], x);
    for (size_t t = 0; t < aimc_dataset_valid_steps(ds, idx[j]); t++)
      for (size_t f = 0; f < F; f++) {
        double v = x[t * F + f] * sd[f] + mean[f];
        lo[f] = fmin(lo[f], v);
        hi[f] = fmax(hi[f], v);
      }
  }
  printf("\nfeature ranges on the training split (raw values):\n");
  printf("  %7s %10s %10s %10s %10s\n", "feature", "min", "max", "mean", "std");
  for (size_t f = 0; f < F; f++)
    printf("  %7zu %10.4g %10.4g %10.4g %10.4g\n", f, lo[f], hi[f], mean[f],
           sd[f]);
  aimc_free(ctx, x);
  aimc_free(ctx, lo);
  aimc_free(ctx, hi);
  return AIMC_OK;
}

static int cmd_stats(aimc_ctx *ctx, int argc, char **argv) {
  aimc_data_spec spec;
  aimc_dataset *ds;
  int st = parse_spec(ctx, "data stats", argc, argv, &spec, NULL, NULL);
  if (st || (st = load(ctx, &spec, &ds))) return st;
  print_stats(ds);
  st = print_ranges(ctx, ds);
  aimc_dataset_free(ctx, ds);
  return st;
}

/* ---- show ---- */

typedef struct {
  const char *out, *name, *split;
  long index, scale;
  int bad;
} show_opts;

static int show_option(void *user, const char *key, const char *value) {
  show_opts *o = user;
  char *end;
  if (strcmp(key, "out") == 0) {
    o->out = value;
  } else if (strcmp(key, "name") == 0) {
    o->name = value;
  } else if (strcmp(key, "split") == 0) {
    o->split = value;
  } else if (strcmp(key, "index") == 0 || strcmp(key, "scale") == 0) {
    long v = strtol(value, &end, 10);
    if (*end || end == value || v < 0) o->bad = 1;
    *(strcmp(key, "index") == 0 ? &o->index : &o->scale) = v;
  } else {
    return 0;
  }
  return 1;
}

static int cmd_show(aimc_ctx *ctx, int argc, char **argv) {
  aimc_data_spec spec;
  show_opts o = {.split = "test", .index = 0, .scale = 6};
  int st = parse_spec(ctx, "data show", argc, argv, &spec, show_option, &o);
  if (st) return st;
  if (o.bad)
    return aimc_cli_usage(ctx, "data show",
                          "--index and --scale take non-negative integers");
  if (!o.out) return aimc_cli_usage(ctx, "data show", "--out FILE.png needed");
  int split = -1;
  for (int s = 0; s < AIMC_SPLIT_COUNT; s++)
    if (strcmp(o.split, SPLIT_NAMES[s]) == 0) split = s;
  if (split < 0)
    return aimc_cli_usage(ctx, "data show",
                          "--split is train, val or test, "
                          "not '%s'",
                          o.split);
  aimc_dataset *ds;
  if ((st = load(ctx, &spec, &ds))) return st;
  size_t n, pick = (size_t)-1;
  const size_t *idx = aimc_dataset_split(ds, (aimc_data_split)split, &n);
  for (size_t j = 0; j < n && o.name && pick == (size_t)-1; j++)
    if (strstr(aimc_dataset_sample_name(ds, idx[j]), o.name)) pick = idx[j];
  if (!o.name && (size_t)o.index < n) pick = idx[o.index];
  if (pick == (size_t)-1) {
    char which[300];
    if (o.name) snprintf(which, sizeof which, "%s", o.name);
    else snprintf(which, sizeof which, "#%ld", (long)o.index);
    st = aimc_error(ctx, AIMC_ENOTFOUND, "data show: no sample %s in the %s split (%zu samples)",
                    which, o.split, n);
  } else {
    size_t L = aimc_dataset_length(ds), F = aimc_dataset_n_features(ds);
    size_t steps = aimc_dataset_valid_steps(ds, pick);
    float *x = aimc_malloc(ctx, L * F * sizeof *x);
    if (!x) {
      st = aimc_error(ctx, AIMC_ENOMEM, "out of memory");
    } else {
      aimc_dataset_get(ds, pick, x);
      st = aimc_data_write_png(ctx, o.out, x, steps ? steps : 1, F,
                               (int)o.scale);
      if (st == AIMC_OK)
        printf(
            "%s: %s (class %s, %zu steps x %zu features)\n", o.out,
            aimc_dataset_sample_name(ds, pick),
            aimc_dataset_class_name(ds, (size_t)aimc_dataset_label(ds, pick)),
            steps, F);
    }
    aimc_free(ctx, x);
  }
  aimc_dataset_free(ctx, ds);
  return st;
}

/* ---- baseline ---- */

/* Time-pooled normalised features of sample i: the mean of each feature
 * over each of K equal segments of the valid steps (K * F values). */
static void pooled(const aimc_dataset *ds, size_t i, size_t K, float *x,
                   double *p) {
  size_t F = aimc_dataset_n_features(ds), T = aimc_dataset_valid_steps(ds, i);
  aimc_dataset_get(ds, i, x);
  for (size_t k = 0; k < K; k++) {
    size_t t0 = k * T / K, t1 = (k + 1) * T / K;
    if (t1 <= t0) t1 = t0 + 1 <= T ? t0 + 1 : t0;
    for (size_t f = 0; f < F; f++) {
      double sum = 0;
      for (size_t t = t0; t < t1; t++) sum += x[t * F + f];
      p[k * F + f] = t1 > t0 ? sum / (double)(t1 - t0) : 0.0;
    }
  }
}

static int segments_option(void *user, const char *key, const char *value) {
  if (strcmp(key, "segments") != 0) return 0;
  char *end;
  long k = strtol(value, &end, 10);
  *(long *)user = *end || end == value || k < 1 || k > 64 ? -1 : k;
  return 1;
}

static int cmd_baseline(aimc_ctx *ctx, int argc, char **argv) {
  aimc_data_spec spec;
  aimc_dataset *ds;
  long segments = 1;
  int st = parse_spec(ctx, "data baseline", argc, argv, &spec, segments_option,
                      &segments);
  if (st) return st;
  if (segments < 1)
    return aimc_cli_usage(ctx, "data baseline", "--segments takes 1-64");
  if ((st = load(ctx, &spec, &ds))) return st;
  size_t L = aimc_dataset_length(ds), S = (size_t)segments;
  size_t F = aimc_dataset_n_features(ds) * S; /* pooled dimensions */
  size_t K = aimc_dataset_n_classes(ds), n;
  float *x = aimc_malloc(ctx, L * F / S * sizeof *x);
  double *p = aimc_malloc(ctx, F * sizeof *p);
  double *centre = aimc_calloc(ctx, K * F, sizeof *centre);
  size_t *count = aimc_calloc(ctx, K, sizeof *count);
  if (!x || !p || !centre || !count) {
    st = aimc_error(ctx, AIMC_ENOMEM, "out of memory");
    goto done;
  }
  const size_t *idx = aimc_dataset_split(ds, AIMC_SPLIT_TRAIN, &n);
  for (size_t j = 0; j < n; j++) {
    size_t c = (size_t)aimc_dataset_label(ds, idx[j]);
    pooled(ds, idx[j], S, x, p);
    for (size_t f = 0; f < F; f++) centre[c * F + f] += p[f];
    count[c]++;
  }
  for (size_t c = 0; c < K; c++)
    for (size_t f = 0; f < F; f++)
      centre[c * F + f] /= (double)(count[c] ? count[c] : 1);
  printf(
      "nearest class mean on features pooled over %zu time segment(s), %zu "
      "classes\n",
      S, K);
  for (int s = AIMC_SPLIT_VAL; s <= AIMC_SPLIT_TEST; s++) {
    idx = aimc_dataset_split(ds, (aimc_data_split)s, &n);
    size_t right = 0;
    for (size_t j = 0; j < n; j++) {
      pooled(ds, idx[j], S, x, p);
      size_t best = 0;
      double best_d = INFINITY;
      for (size_t c = 0; c < K; c++) {
        double d = 0;
        for (size_t f = 0; f < F; f++)
          d += (p[f] - centre[c * F + f]) * (p[f] - centre[c * F + f]);
        if (d < best_d) {
          best_d = d;
          best = c;
        }
      }
      right += (int)best == aimc_dataset_label(ds, idx[j]);
    }
    printf("  %-5s accuracy %6.2f %% (%zu of %zu)\n", SPLIT_NAMES[s],
           n ? 100.0 * (double)right / (double)n : 0.0, right, n);
  }
done:
  aimc_free(ctx, x);
  aimc_free(ctx, p);
  aimc_free(ctx, centre);
  aimc_free(ctx, count);
  aimc_dataset_free(ctx, ds);
  return st;
}

int aimc_cmd_data(aimc_ctx *ctx, int argc, char **argv) {
  if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
      strcmp(argv[1], "-h") == 0) {
    if (argc < 2) return aimc_cli_usage(ctx, "data", "missing subcommand");
    help();
    return AIMC_OK;
  }
  if (aimc_cli_wants_help(argc, argv)) {
    help();
    return AIMC_OK;
  }
  if (strcmp(argv[1], "digits") == 0) return cmd_digits(ctx, argc, argv);
  if (strcmp(argv[1], "stats") == 0) return cmd_stats(ctx, argc, argv);
  if (strcmp(argv[1], "show") == 0) return cmd_show(ctx, argc, argv);
  if (strcmp(argv[1], "baseline") == 0) return cmd_baseline(ctx, argc, argv);
  return aimc_cli_usage(ctx, "data",
                        "unknown subcommand '%s' (digits, stats, "
                        "show, baseline)",
                        argv[1]);
}
