/* Fault-injection allocator for the `fault` test tier. */
#include "failalloc.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "aimc/status.h"

void failalloc_init(failalloc *fa, long fail_at) {
  fa->fail_at = fail_at;
  fa->count = 0;
  fa->live = 0;
  fa->failed = 0;
}

static int should_fail(failalloc *fa) {
  long k = fa->count++;
  if (k == fa->fail_at) {
    fa->failed = 1;
    return 1;
  }
  return 0;
}

static void *fa_malloc(void *user, size_t size) {
  failalloc *fa = user;
  if (should_fail(fa)) return NULL;
  void *p = malloc(size);
  if (p) fa->live++;
  return p;
}

static void *fa_realloc(void *user, void *ptr, size_t size) {
  failalloc *fa = user;
  if (should_fail(fa)) return NULL;
  void *p = realloc(ptr, size);
  if (p && !ptr) fa->live++;
  return p;
}

static void fa_free(void *user, void *ptr) {
  failalloc *fa = user;
  if (ptr) fa->live--;
  free(ptr);
}

aimc_allocator failalloc_allocator(failalloc *fa) {
  aimc_allocator a = {fa_malloc, fa_realloc, fa_free, fa};
  return a;
}

long failalloc_sweep(int (*fn)(aimc_ctx *ctx, void *user), void *user) {
  for (long k = 0;; k++) {
    failalloc fa;
    failalloc_init(&fa, k);
    aimc_allocator a = failalloc_allocator(&fa);
    aimc_ctx *ctx = aimc_ctx_alloc_with(42, &a);
    int status = AIMC_ENOMEM;
    if (ctx) {
      status = fn(ctx, user);
      aimc_ctx_free(ctx);
    }
    assert_int_equal(fa.live, 0); /* no leak on any path */
    if (!fa.failed) {
      assert_int_equal(status, AIMC_OK);
      return k + 1;
    }
    /* The failure happened: it must have been reported, not swallowed. */
    assert_int_not_equal(status, AIMC_OK);
  }
}
