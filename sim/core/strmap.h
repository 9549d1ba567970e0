/* A string -> int index for name lookups that must stay linear on big
 * inputs (1e6 netlist instances, YAML maps with many keys). Keys are
 * borrowed: the caller keeps them alive and unchanged while they are in
 * the map. Open addressing, linear probing, load factor <= 1/2.
 *
 * Invariants: slot[i].key == NULL means empty; n < cap / 2; cap is a power
 * of two (or 0 before the first insert). */
#ifndef AIMC_CORE_STRMAP_H
#define AIMC_CORE_STRMAP_H

#include <stddef.h>

#include "aimc/context.h"

typedef struct {
  const char *key;
  size_t len;
  size_t hash;
  int value;
} aimc_strmap_slot;

typedef struct {
  aimc_strmap_slot *slot;
  size_t n, cap;
  size_t probes; /* key comparisons made so far (tests check linearity) */
} aimc_strmap;

/* An empty map needs no allocation: aimc_strmap m = {0}. */
void aimc_strmap_fini(aimc_ctx *ctx, aimc_strmap *m);
/* The value of key[0..len), or -1 if absent. */
int aimc_strmap_get(aimc_strmap *m, const char *key, size_t len);
/* Adds key[0..len) -> value. If the key is present, leaves the map as it
 * is and returns its value in *old (else *old = -1). AIMC_ENOMEM (with a
 * message on ctx) if the table cannot grow. */
int aimc_strmap_put(aimc_ctx *ctx, aimc_strmap *m, const char *key, size_t len,
                    int value, int *old);

#endif
