/* Context: RNG, logging, allocator hooks and the last error message. */
#include "aimc/context.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "message.h"

#define ERRMSG_LEN 1024

struct aimc_ctx {
  uint64_t seed;
  gsl_rng *rng;
  aimc_log_fn log_fn;
  void *log_user;
  aimc_log_level level;
  aimc_allocator alloc;
  char errmsg[ERRMSG_LEN];
};

static void *default_malloc(void *user, size_t size) {
  (void)user;
  return malloc(size);
}
static void *default_realloc(void *user, void *ptr, size_t size) {
  (void)user;
  return realloc(ptr, size);
}
static void default_free(void *user, void *ptr) {
  (void)user;
  free(ptr);
}

static void default_log(void *user, aimc_log_level level, const char *msg) {
  static const char *const names[] = {"error", "warning", "info", "debug"};
  (void)user;
  fprintf(stderr, "aimc: %s: %s\n", names[level], msg);
}

uint64_t aimc_seed_derive(uint64_t seed, uint64_t stream) {
  /* splitmix64 of the pair: distinct streams give uncorrelated seeds. */
  uint64_t z = seed + 0x9E3779B97F4A7C15ull * (stream + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t aimc_seed_noise_sample(uint64_t run_seed, uint64_t sample) {
  return aimc_seed_derive(aimc_seed_derive(run_seed, aimc_hash_str("aimc.noise")), sample);
}

uint64_t aimc_seed_static(uint64_t run_seed, uint64_t instance) {
  return aimc_seed_derive(aimc_seed_derive(run_seed, aimc_hash_str("aimc.static")), instance);
}

uint64_t aimc_seed_noise(uint64_t run_seed, uint64_t sample, uint64_t instance) {
  return aimc_seed_noise_of(aimc_seed_noise_sample(run_seed, sample), instance);
}

uint64_t aimc_fnv1a(uint64_t h, const void *data, size_t n) {
  const unsigned char *b = data;
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ull;
  return h;
}

uint64_t aimc_fnv1a_sep(uint64_t h) { return (h ^ 0xff) * 0x100000001b3ull; }

uint64_t aimc_hash_str(const char *s) {
  return aimc_fnv1a(AIMC_FNV_BASIS, s, s ? strlen(s) : 0);
}

aimc_ctx *aimc_ctx_alloc_with(uint64_t seed, const aimc_allocator *alloc) {
  aimc_allocator a = {default_malloc, default_realloc, default_free, NULL};
  if (alloc) a = *alloc;
  aimc_ctx *ctx = a.malloc_fn(a.user, sizeof *ctx);
  if (!ctx) return NULL;
  memset(ctx, 0, sizeof *ctx);
  ctx->alloc = a;
  ctx->log_fn = default_log;
  ctx->level = AIMC_LOG_INFO;
  /* GSL allocates its RNG with plain malloc; that cannot be hooked. */
  ctx->rng = gsl_rng_alloc(gsl_rng_mt19937);
  if (!ctx->rng) {
    a.free_fn(a.user, ctx);
    return NULL;
  }
  aimc_ctx_reseed(ctx, seed);
  return ctx;
}

aimc_ctx *aimc_ctx_alloc(uint64_t seed) { return aimc_ctx_alloc_with(seed, NULL); }

aimc_ctx *aimc_ctx_fork(const aimc_ctx *parent, uint64_t stream) {
  aimc_ctx *c =
      aimc_ctx_alloc_with(aimc_seed_derive(parent->seed, stream), &parent->alloc);
  if (!c) return NULL;
  c->log_fn = parent->log_fn;
  c->log_user = parent->log_user;
  c->level = parent->level;
  return c;
}

void aimc_ctx_free(aimc_ctx *ctx) {
  if (!ctx) return;
  gsl_rng_free(ctx->rng);
  aimc_allocator a = ctx->alloc;
  a.free_fn(a.user, ctx);
}

uint64_t aimc_ctx_seed(const aimc_ctx *ctx) { return ctx->seed; }
gsl_rng *aimc_ctx_rng(aimc_ctx *ctx) { return ctx->rng; }

void aimc_ctx_reseed(aimc_ctx *ctx, uint64_t seed) {
  ctx->seed = seed;
  /* mt19937 takes an unsigned long seed; fold the 64 bits so that seeds
   * differing only in the high half still give different streams. */
  gsl_rng_set(ctx->rng, (unsigned long)aimc_seed_derive(seed, 0));
}

void aimc_ctx_set_log(aimc_ctx *ctx, aimc_log_fn fn, void *user) {
  ctx->log_fn = fn ? fn : default_log;
  ctx->log_user = fn ? user : NULL;
}
void aimc_ctx_set_log_level(aimc_ctx *ctx, aimc_log_level level) { ctx->level = level; }
aimc_log_level aimc_ctx_log_level(const aimc_ctx *ctx) { return ctx->level; }

void aimc_log(aimc_ctx *ctx, aimc_log_level level, const char *fmt, ...) {
  if (!ctx || level > ctx->level) return;
  char msg[ERRMSG_LEN];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  char clean[ERRMSG_LEN];
  aimc_text_sanitize(clean, sizeof clean, msg);
  ctx->log_fn(ctx->log_user, level, clean);
}

void *aimc_malloc(aimc_ctx *ctx, size_t size) {
  return ctx->alloc.malloc_fn(ctx->alloc.user, size ? size : 1);
}

void *aimc_calloc(aimc_ctx *ctx, size_t n, size_t size) {
  if (size && n > SIZE_MAX / size) return NULL;
  void *p = aimc_malloc(ctx, n * size);
  if (p) memset(p, 0, n * size);
  return p;
}

void *aimc_realloc(aimc_ctx *ctx, void *ptr, size_t size) {
  return ctx->alloc.realloc_fn(ctx->alloc.user, ptr, size ? size : 1);
}

void aimc_free(aimc_ctx *ctx, void *ptr) {
  if (ptr) ctx->alloc.free_fn(ctx->alloc.user, ptr);
}

char *aimc_strdup(aimc_ctx *ctx, const char *s) {
  size_t n = strlen(s) + 1;
  char *d = aimc_malloc(ctx, n);
  if (d) memcpy(d, s, n);
  return d;
}

/* Messages echo file contents and arguments: sanitized once, here. */
int aimc_verror(aimc_ctx *ctx, int status, const char *fmt, va_list ap) {
  if (!ctx) return status;
  char raw[ERRMSG_LEN];
  vsnprintf(raw, sizeof raw, fmt, ap);
  aimc_text_sanitize(ctx->errmsg, sizeof ctx->errmsg, raw);
  return status;
}

int aimc_error(aimc_ctx *ctx, int status, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  aimc_verror(ctx, status, fmt, ap);
  va_end(ap);
  return status;
}

int aimc_error_at(aimc_ctx *ctx, int status, const aimc_srcloc *loc,
                  const char *fmt, ...) {
  if (!ctx) return status;
  char msg[ERRMSG_LEN];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  char raw[ERRMSG_LEN + 64];
  if (loc && loc->file && loc->line > 0)
    snprintf(raw, sizeof raw, "%s:%d:%d: %s", loc->file, loc->line,
             loc->col > 0 ? loc->col : 1, msg);
  else if (loc && loc->file)
    snprintf(raw, sizeof raw, "%s: %s", loc->file, msg);
  else
    snprintf(raw, sizeof raw, "%s", msg);
  aimc_text_sanitize(ctx->errmsg, sizeof ctx->errmsg, raw);
  return status;
}

const char *aimc_ctx_errmsg(const aimc_ctx *ctx) { return ctx ? ctx->errmsg : ""; }
void aimc_ctx_clear_error(aimc_ctx *ctx) { ctx->errmsg[0] = '\0'; }

static void gsl_log_handler(const char *reason, const char *file, int line,
                            int gsl_errno) {
  fprintf(stderr, "aimc: warning: gsl: %s:%d: %s (%s)\n", file, line, reason,
          gsl_strerror(gsl_errno));
}

void aimc_gsl_install_handler(void) { gsl_set_error_handler(gsl_log_handler); }
