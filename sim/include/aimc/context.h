/* The context: the one object that carries what would otherwise be global
 * state (RNG and seed, log sink, last error message, allocator hooks).
 * A context is not thread-safe; each worker thread owns its own (see
 * aimc_ctx_fork). */
#ifndef AIMC_CONTEXT_H
#define AIMC_CONTEXT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct aimc_ctx aimc_ctx;

typedef enum {
  AIMC_LOG_ERROR = 0,
  AIMC_LOG_WARN = 1,
  AIMC_LOG_INFO = 2,
  AIMC_LOG_DEBUG = 3
} aimc_log_level;

/* Receives one formatted log line (no trailing newline). */
typedef void (*aimc_log_fn)(void *user, aimc_log_level level, const char *msg);

/* Allocator hooks. All three must be set; `user` is passed through. The
 * fault-injection tests install hooks that fail the k-th allocation. */
typedef struct {
  void *(*malloc_fn)(void *user, size_t size);
  void *(*realloc_fn)(void *user, void *ptr, size_t size);
  void (*free_fn)(void *user, void *ptr);
  void *user;
} aimc_allocator;

/* A place in a source file, for messages of the form file:line:col.
 * `file` is borrowed; line and col count from 1 (0 means unknown). */
typedef struct {
  const char *file;
  int line;
  int col;
} aimc_srcloc;

/* Creates a context whose RNG (GSL mt19937) is seeded with `seed`. Logs go
 * to stderr at level INFO. Returns NULL when out of memory. */
aimc_ctx *aimc_ctx_alloc(uint64_t seed);

/* As aimc_ctx_alloc, but every allocation made through the context (and the
 * context itself) goes through `alloc` (copied; may be NULL for malloc). */
aimc_ctx *aimc_ctx_alloc_with(uint64_t seed, const aimc_allocator *alloc);

/* A new context for worker `stream`: same log sink, level and allocator, RNG
 * seeded with aimc_seed_derive(seed, stream). NULL when out of memory. */
aimc_ctx *aimc_ctx_fork(const aimc_ctx *parent, uint64_t stream);

/* Frees a context; NULL is a no-op. */
void aimc_ctx_free(aimc_ctx *ctx);

/* Deterministic, well-mixed seed for substream `stream` (splitmix64). */
uint64_t aimc_seed_derive(uint64_t seed, uint64_t stream);

/* Stable 64-bit hash of a string (FNV-1a), e.g. to derive per-instance
 * RNG streams from instance names so results do not depend on order. */
uint64_t aimc_hash_str(const char *s);

/* The seed of the noise stream an instance draws from while it processes
 * sample `sample` of a run seeded with run_seed; `instance` is
 * aimc_hash_str of its netlist name (e.g. "l0_ssm_3.adc"). One stream per
 * (sample, instance): an instance's draws depend neither on the other
 * instances nor on the order the kernel runs them in, so the batched
 * runner (a lane per sample) and the event kernel draw the same numbers. */
uint64_t aimc_seed_noise(uint64_t run_seed, uint64_t sample, uint64_t instance);
/* The same in two steps, for a caller that seeds many instances of one
 * sample: aimc_seed_noise(r, s, i) = aimc_seed_noise_of(aimc_seed_noise_sample(r, s), i). */
uint64_t aimc_seed_noise_sample(uint64_t run_seed, uint64_t sample);
/* The seed of what an instance draws once per piece of hardware, for
 * every sample (a DAC's channel mismatch: aimc_model.eval_state_init),
 * `instance` as above: `aimc run` and the instance's init in the event
 * kernel build the same chip. */
uint64_t aimc_seed_static(uint64_t run_seed, uint64_t instance);
static inline uint64_t aimc_seed_noise_of(uint64_t sample_seed, uint64_t instance) {
  return aimc_seed_derive(sample_seed, instance);
}
/* FNV-1a (64 bits) of n bytes, continuing from h (first: AIMC_FNV_BASIS):
 * the one hash of the hashes files record (model, arch, corpus, sweep
 * points). aimc_fnv1a_sep hashes a separator byte, so that fields hashed
 * one after the other hash apart ("ab","c" vs "a","bc"). */
#define AIMC_FNV_BASIS 0xcbf29ce484222325ull
/* The start of the arch and model hashes that netlists record: a digit
 * short of FNV's basis, kept so that recorded hashes stay valid. */
#define AIMC_FNV_BASIS_NETLIST 1469598103934665603ull
uint64_t aimc_fnv1a(uint64_t h, const void *data, size_t n);
uint64_t aimc_fnv1a_sep(uint64_t h);

uint64_t aimc_ctx_seed(const aimc_ctx *ctx);
gsl_rng *aimc_ctx_rng(aimc_ctx *ctx);
/* Re-seeds the context's RNG. */
void aimc_ctx_reseed(aimc_ctx *ctx, uint64_t seed);

/* Log sink and level. fn NULL restores the default (stderr). */
void aimc_ctx_set_log(aimc_ctx *ctx, aimc_log_fn fn, void *user);
void aimc_ctx_set_log_level(aimc_ctx *ctx, aimc_log_level level);
aimc_log_level aimc_ctx_log_level(const aimc_ctx *ctx);
void aimc_log(aimc_ctx *ctx, aimc_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Memory through the context's allocator. aimc_free(ctx, NULL) is a no-op.
 * aimc_calloc checks n*size for overflow. */
void *aimc_malloc(aimc_ctx *ctx, size_t size);
void *aimc_calloc(aimc_ctx *ctx, size_t n, size_t size);
void *aimc_realloc(aimc_ctx *ctx, void *ptr, size_t size);
void aimc_free(aimc_ctx *ctx, void *ptr);
char *aimc_strdup(aimc_ctx *ctx, const char *s);

/* Records an error message on the context and returns `status`, so callers
 * write `return aimc_error(ctx, AIMC_EINVAL, "...")`. The message replaces
 * any earlier one. aimc_error_at prefixes "file:line:col: ". */
int aimc_error(aimc_ctx *ctx, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int aimc_error_at(aimc_ctx *ctx, int status, const aimc_srcloc *loc,
                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int aimc_verror(aimc_ctx *ctx, int status, const char *fmt, va_list ap);

/* The last error message ("" when none), valid until the next error. */
const char *aimc_ctx_errmsg(const aimc_ctx *ctx);
void aimc_ctx_clear_error(aimc_ctx *ctx);

/* Installs a GSL error handler that logs to stderr and returns, instead of
 * GSL's default abort: GSL calls then return their error code, which we
 * check. Process-wide (GSL's handler is global); idempotent. */
void aimc_gsl_install_handler(void);

#ifdef __cplusplus
}
#endif
#endif
