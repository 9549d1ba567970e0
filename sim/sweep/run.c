/* Running a sweep: find the runs not yet committed, deal them over the MPI
 * ranks, evaluate them (in this process or in forked worker processes),
 * commit each one atomically, then write the table and the manifest.
 * Resuming is the same call: committed runs are simply not pending. */
#define _POSIX_C_SOURCE 200809L
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "aimc/fileio.h"
#include "aimc/progress.h"
#include "aimc/seed.h"
#include "aimc/status.h"
#include "aimc/version.h"
#include "sweep_impl.h"

/* What one session on one rank is doing. */
typedef struct {
  aimc_ctx *ctx;
  const aimc_sweep_spec *spec;
  const aimc_sweep_opts *opts;
  const aimc_sweep_evaluator *ev;
  void *state; /* the evaluator's prepared state */
  int session;
  size_t done, failed, launched;
  int halt;            /* stop launching (e.g. fork failed) */
  char first_msg[512]; /* message of the first failed run */
  aimc_lock *lock;     /* rank 0: one session writes a results folder */
} runner;

static int stop_requested(const runner *r) {
  if (r->halt || (r->opts->stop && *r->opts->stop)) return 1;
  return r->opts->max_runs && r->launched >= r->opts->max_runs;
}

static void run_point(const runner *r, size_t run, aimc_sweep_point *pt) {
  unsigned n_seeds = aimc_sweep_spec_n_seeds(r->spec);
  pt->spec = r->spec;
  pt->index = run / n_seeds;
  pt->seed_index = (unsigned)(run % n_seeds);
  pt->seed = aimc_seed_derive(aimc_sweep_spec_seed(r->spec), pt->seed_index);
  pt->state = r->state;
}

/* Evaluates and commits one run with its own context; on failure the
 * message goes to r->ctx. */
static int evaluate(runner *r, size_t run) {
  aimc_sweep_point pt;
  run_point(r, run, &pt);
  aimc_ctx *rctx = aimc_ctx_fork(r->ctx, 0);
  if (!rctx) return aimc_error(r->ctx, AIMC_ENOMEM, "sweep: out of memory");
  aimc_ctx_reseed(rctx, pt.seed);
  aimc_sweep_result res;
  for (int m = 0; m < AIMC_SWEEP_N_METRICS; m++) res.m[m] = NAN;
  double t0 = aimc_wall_seconds();
  int rc = r->ev->eval(rctx, &pt, &res);
  if (!rc)
    rc = sweep_record_write(rctx, r->spec, r->opts->out_dir, &pt, &res,
                            r->session, aimc_wall_seconds() - t0);
  if (rc)
    aimc_error(r->ctx, rc, "sweep: point %zu seed %u: %s", pt.index,
               pt.seed_index, aimc_ctx_errmsg(rctx));
  aimc_ctx_free(rctx);
  return rc;
}

static void finished(runner *r, int rc, size_t todo) {
  if (rc) {
    if (!r->failed++)
      snprintf(r->first_msg, sizeof r->first_msg, "%s",
               aimc_ctx_errmsg(r->ctx));
    aimc_log(r->ctx, AIMC_LOG_ERROR, "%s", aimc_ctx_errmsg(r->ctx));
    return;
  }
  r->done++;
  if (r->opts->progress)
    r->opts->progress(r->opts->progress_user, r->done, todo);
}

static void run_inline(runner *r, const size_t *mine, size_t n) {
  for (size_t i = 0; i < n && !stop_requested(r); i++) {
    r->launched++;
    finished(r, evaluate(r, mine[i]), n);
  }
}

/* One forked child per run, at most `jobs` alive. The child restores the
 * default SIGINT/SIGTERM action (a Ctrl-C ends it at once; its temporary
 * file is cleaned up on resume) and leaves with _exit, so it never runs the
 * parent's exit handlers (MPI's among them). */
static int run_forked(runner *r, const size_t *mine, size_t n) {
  int jobs = r->opts->jobs;
  pid_t *pid = aimc_calloc(r->ctx, (size_t)jobs, sizeof *pid);
  size_t *slot_run = aimc_calloc(r->ctx, (size_t)jobs, sizeof *slot_run);
  if (!pid || !slot_run) {
    aimc_free(r->ctx, pid);
    aimc_free(r->ctx, slot_run);
    return aimc_error(r->ctx, AIMC_ENOMEM, "sweep: out of memory");
  }
  size_t next = 0;
  int active = 0;
  for (;;) {
    while (active < jobs && next < n && !stop_requested(r)) {
      int s = 0;
      while (pid[s]) s++;
      fflush(NULL);
      pid_t parent = getpid(), child = fork();
      if (child < 0) {
        aimc_error(r->ctx, AIMC_EFAIL, "sweep: fork failed: %s",
                   strerror(errno));
        finished(r, AIMC_EFAIL, n);
        r->halt = 1;
        break;
      }
      if (child == 0) {
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
#ifdef __linux__
        /* A worker dies with its sweep: killed, the sweep leaves no
         * worker that still holds its output's lock (a resume would be
         * refused) or writes into it. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) _exit(1); /* the sweep died before that */
#else
        (void)parent;
#endif
        int rc = evaluate(r, mine[next]);
        if (rc) aimc_log(r->ctx, AIMC_LOG_ERROR, "%s", aimc_ctx_errmsg(r->ctx));
        fflush(NULL);
        _exit(rc ? 1 : 0);
      }
      pid[s] = child;
      slot_run[s] = mine[next++];
      active++;
      r->launched++;
    }
    if (active == 0) break;
    int status;
    pid_t got = waitpid(-1, &status, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      break;
    }
    int s = 0;
    while (s < jobs && pid[s] != got) s++;
    if (s == jobs) continue; /* not one of ours */
    pid[s] = 0;
    active--;
    aimc_sweep_point pt;
    run_point(r, slot_run[s], &pt);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      finished(r, AIMC_OK, n);
    } else if (WIFSIGNALED(status) && r->opts->stop && *r->opts->stop) {
      /* Interrupted with the rest of us: the run is simply pending. */
    } else {
      aimc_error(r->ctx, AIMC_EFAIL, "sweep: point %zu seed %u: worker %s %d",
                 pt.index, pt.seed_index,
                 WIFSIGNALED(status) ? "killed by signal" : "exited with",
                 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
      finished(r, AIMC_EFAIL, n);
    }
  }
  aimc_free(r->ctx, pid);
  aimc_free(r->ctx, slot_run);
  return AIMC_OK;
}

/* ---- The results directory ---------------------------------------------- */

static void path_in(char *buf, size_t len, const char *dir, const char *name) {
  snprintf(buf, len, "%s/%s", dir, name);
}

/* Removes "*.tmp.<pid>" files a killed session left in runs/. */
static void remove_stale_temporaries(const char *out_dir) {
  char dir[4096], path[8192];
  path_in(dir, sizeof dir, out_dir, "runs");
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d)))
    if (strstr(e->d_name, ".tmp.")) {
      snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
      remove(path);
    }
  closedir(d);
}

static char *hash_hex(char *buf, size_t len, uint64_t h) {
  snprintf(buf, len, "%016" PRIx64, h);
  return buf;
}

/* Loads manifest.json if present (NULL otherwise); refuses another spec's. */
static int load_manifest(aimc_ctx *ctx, const aimc_sweep_spec *spec,
                         const char *out_dir, cJSON **out) {
  char path[4096], want[32];
  *out = NULL;
  path_in(path, sizeof path, out_dir, "manifest.json");
  /* Not opened unless a regular file: a FIFO would block the read. */
  int rc = aimc_output_check(ctx, path, 0);
  if (rc) return rc;
  FILE *probe = fopen(path, "rb");
  if (!probe) return AIMC_OK;
  fclose(probe);
  char *text;
  rc = aimc_read_file(ctx, path, &text, NULL);
  if (rc) return rc;
  cJSON *m = cJSON_Parse(text);
  aimc_free(ctx, text);
  const cJSON *h = cJSON_GetObjectItemCaseSensitive(
      cJSON_GetObjectItemCaseSensitive(m, "spec"), "hash");
  if (!cJSON_IsString(h)) {
    cJSON_Delete(m);
    return aimc_error(ctx, AIMC_EINVAL,
                      "%s exists but is not a sweep manifest; choose another "
                      "output directory",
                      path);
  }
  hash_hex(want, sizeof want, aimc_sweep_spec_hash(spec));
  if (strcmp(h->valuestring, want) != 0) {
    int r2 =
        aimc_error(ctx, AIMC_EINVAL,
                   "%s holds the results of another sweep spec (hash %s, this "
                   "spec %s); choose another output directory, they are kept",
                   out_dir, h->valuestring, want);
    cJSON_Delete(m);
    return r2;
  }
  *out = m;
  return AIMC_OK;
}

static cJSON *new_manifest(const aimc_sweep_spec *spec) {
  char hex[32], seed[24];
  cJSON *m = cJSON_CreateObject(), *s;
  int ok =
      m && cJSON_AddStringToObject(m, "tool", "aimc sweep") &&
      cJSON_AddStringToObject(m, "version", AIMC_VERSION) &&
      cJSON_AddStringToObject(m, "git", AIMC_GIT_HASH) &&
      (s = cJSON_AddObjectToObject(m, "spec")) &&
      cJSON_AddStringToObject(s, "name", aimc_sweep_spec_name(spec)) &&
      cJSON_AddStringToObject(
          s, "hash", hash_hex(hex, sizeof hex, aimc_sweep_spec_hash(spec))) &&
      cJSON_AddStringToObject(s, "evaluator",
                              aimc_sweep_spec_evaluator(spec)) &&
      cJSON_AddStringToObject(s, "dir", aimc_sweep_spec_dir(spec)) &&
      cJSON_AddStringToObject(s, "seed", aimc_seed_format(aimc_sweep_spec_seed(spec),
                                                          seed, sizeof seed)) &&
      cJSON_AddNumberToObject(s, "n_seeds", aimc_sweep_spec_n_seeds(spec)) &&
      cJSON_AddNumberToObject(s, "n_points",
                              (double)aimc_sweep_spec_n_points(spec)) &&
      cJSON_AddArrayToObject(m, "sessions") &&
      cJSON_AddFalseToObject(m, "complete");
  if (!ok) {
    cJSON_Delete(m);
    return NULL;
  }
  return m;
}

static int write_json(aimc_ctx *ctx, const char *path, const cJSON *json) {
  char *text = cJSON_Print(json);
  if (!text)
    return aimc_error(ctx, AIMC_ENOMEM, "out of memory writing %s", path);
  int rc = aimc_write_file_atomic(ctx, path, text, strlen(text));
  cJSON_free(text);
  return rc;
}

/* Sets the fields of this session's entry in the manifest (added when the
 * session starts, so a killed session still counts) and writes it. */
static int write_session(runner *r, cJSON *manifest, int ranks, size_t done,
                         size_t failed, double wall_s, int finished,
                         int complete) {
  char path[4096];
  cJSON *sessions = cJSON_GetObjectItemCaseSensitive(manifest, "sessions");
  cJSON *s = cJSON_CreateObject();
  int ok = s && cJSON_AddNumberToObject(s, "session", r->session) &&
           cJSON_AddNumberToObject(s, "ranks", ranks) &&
           cJSON_AddNumberToObject(s, "jobs", r->opts->jobs) &&
           cJSON_AddNumberToObject(s, "runs_done", (double)done) &&
           cJSON_AddNumberToObject(s, "runs_failed", (double)failed) &&
           cJSON_AddNumberToObject(s, "wall_s", wall_s) &&
           cJSON_AddBoolToObject(s, "finished", finished);
  if (ok && cJSON_GetArraySize(sessions) >= r->session)
    ok = cJSON_ReplaceItemInArray(sessions, r->session - 1, s);
  else if (ok)
    ok = cJSON_AddItemToArray(sessions, s);
  if (!ok) {
    cJSON_Delete(s);
    return aimc_error(r->ctx, AIMC_ENOMEM, "sweep: out of memory");
  }
  cJSON_ReplaceItemInObjectCaseSensitive(manifest, "complete",
                                         cJSON_CreateBool(complete));
  path_in(path, sizeof path, r->opts->out_dir, "manifest.json");
  return write_json(r->ctx, path, manifest);
}

/* Rank 0: directory, manifest with a new session, list of pending runs. */
static int prepare(runner *r, cJSON **manifest, size_t **pending,
                   size_t *n_pending, size_t *n_done_before) {
  aimc_ctx *ctx = r->ctx;
  char path[4096];
  path_in(path, sizeof path, r->opts->out_dir, "runs");
  int rc = aimc_output_check(ctx, r->opts->out_dir, 1);
  if (!rc) rc = aimc_mkdirs(ctx, path);
  /* Held until the last manifest write: two sessions on one folder would
   * each rewrite manifest.json and lose the other's entry. */
  path_in(path, sizeof path, r->opts->out_dir, ".lock");
  if (!rc) rc = aimc_lock_acquire(ctx, path, r->opts->out_dir, &r->lock);
  if (!rc) rc = load_manifest(ctx, r->spec, r->opts->out_dir, manifest);
  if (rc) return rc;
  if (!*manifest && !(*manifest = new_manifest(r->spec)))
    return aimc_error(ctx, AIMC_ENOMEM, "sweep: out of memory");
  cJSON *sessions = cJSON_GetObjectItemCaseSensitive(*manifest, "sessions");
  r->session = cJSON_GetArraySize(sessions) + 1;
  remove_stale_temporaries(r->opts->out_dir);

  size_t n_seeds = aimc_sweep_spec_n_seeds(r->spec);
  size_t n_runs = aimc_sweep_spec_n_points(r->spec) * n_seeds;
  *pending = aimc_calloc(ctx, n_runs ? n_runs : 1, sizeof **pending);
  if (!*pending) return aimc_error(ctx, AIMC_ENOMEM, "sweep: out of memory");
  *n_pending = *n_done_before = 0;
  for (size_t run = 0; run < n_runs; run++) {
    sweep_record rec;
    rc = sweep_record_read(ctx, r->spec, r->opts->out_dir, run / n_seeds,
                           (unsigned)(run % n_seeds), &rec);
    if (rc == AIMC_ENOTFOUND) {
      (*pending)[(*n_pending)++] = run;
    } else if (rc) {
      return rc;
    } else {
      ++*n_done_before;
    }
  }
  if (*n_done_before)
    aimc_log(ctx, AIMC_LOG_INFO,
             "sweep: resuming %s: %zu of %zu runs already done",
             r->opts->out_dir, *n_done_before, n_runs);
  sweep_dist d;
  sweep_dist_init(ctx, &d);
  return write_session(r, *manifest, d.size, 0, 0, 0.0, 0, *n_pending == 0);
}

int aimc_sweep_run(aimc_ctx *ctx, const aimc_sweep_spec *spec,
                   const aimc_sweep_opts *opts, aimc_sweep_stats *stats) {
  aimc_sweep_stats st = {0};
  runner r = {.ctx = ctx, .spec = spec, .opts = opts};
  r.ev = opts->evaluator
             ? opts->evaluator
             : aimc_sweep_evaluator_find(aimc_sweep_spec_evaluator(spec));
  if (!r.ev)
    return aimc_error(ctx, AIMC_EINVAL, "sweep: unknown evaluator '%s'",
                      aimc_sweep_spec_evaluator(spec));
  if (opts->jobs < 0)
    return aimc_error(ctx, AIMC_EINVAL, "sweep: jobs = %d must be >= 0",
                      opts->jobs);
  st.n_runs = aimc_sweep_spec_n_points(spec) * aimc_sweep_spec_n_seeds(spec);
  double t0 = aimc_wall_seconds();
  sweep_dist d;
  sweep_dist_init(ctx, &d);

  cJSON *manifest = NULL;
  size_t *pending = NULL, n_pending = 0;
  int rc = AIMC_OK;
  if (d.rank == 0) {
    rc = r.ev->check ? r.ev->check(ctx, spec) : AIMC_OK;
    if (!rc)
      rc = prepare(&r, &manifest, &pending, &n_pending, &st.n_done_before);
  }
  rc = sweep_dist_agree(ctx, &d, rc);
  if (!rc) rc = sweep_dist_bcast_runs(ctx, &d, &pending, &n_pending);
  if (rc) {
    cJSON_Delete(manifest);
    aimc_free(ctx, pending);
    aimc_lock_release(ctx, r.lock);
    return rc;
  }
  size_t counts[3] = {st.n_done_before, (size_t)r.session, 0};
  sweep_dist_sum(&d, counts, 2); /* only rank 0 contributes: a broadcast */
  st.n_done_before = counts[0];
  r.session = (int)counts[1];

  /* This rank's share: every size-th pending run, round-robin. */
  size_t n_mine = 0;
  for (size_t i = (size_t)d.rank; i < n_pending; i += (size_t)d.size)
    pending[n_mine++] = pending[i];
  /* Shared loads once per rank, before the workers fork. */
  if (n_mine && r.ev->prepare) rc = r.ev->prepare(ctx, spec, &r.state);
  if (!rc && opts->jobs == 0)
    run_inline(&r, pending, n_mine);
  else if (!rc)
    rc = run_forked(&r, pending, n_mine);
  if (r.ev->release) r.ev->release(ctx, r.state);
  aimc_free(ctx, pending);

  counts[0] = r.done;
  counts[1] = r.failed;
  sweep_dist_sum(&d, counts, 2);
  st.n_done_now = counts[0];
  st.n_failed = counts[1];
  st.complete = st.n_done_before + st.n_done_now == st.n_runs;
  if (d.rank == 0) {
    int trc = aimc_sweep_write_table(ctx, spec, opts->out_dir);
    int mrc = write_session(&r, manifest, d.size, st.n_done_now, st.n_failed,
                            aimc_wall_seconds() - t0, 1, st.complete);
    if (!rc) rc = trc ? trc : mrc;
  }
  cJSON_Delete(manifest);
  aimc_lock_release(ctx, r.lock);
  if (stats) *stats = st;
  if (!rc && r.failed)
    rc = aimc_error(ctx, AIMC_EFAIL, "sweep: %zu run(s) failed; the first: %s",
                    r.failed, r.first_msg);
  else if (!rc && st.n_failed)
    rc = aimc_error(ctx, AIMC_EFAIL, "sweep: %zu run(s) failed on other ranks",
                    st.n_failed);
  return rc;
}
